/** The {@code ember} command line (picocli): one class per subcommand, {@link dev.ember.cli.EmberCli} the entry. */
package dev.ember.cli;
