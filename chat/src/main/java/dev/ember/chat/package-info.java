/**
 * Chat on top of the runtime: {@link dev.ember.chat.ChatTemplate} renders a conversation with the model's own
 * Jinja chat template (Jinjava, in Hugging Face's environment), and {@link dev.ember.chat.Conversation} keeps a
 * multi-turn chat in one session, so each turn evaluates only its new tokens. The runtime stays free of
 * Jinjava: this module sits beside it, used by the CLI, the server and LangChain4j.
 */
package dev.ember.chat;
