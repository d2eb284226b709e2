/**
 * Ember behind LangChain4j's chat API, in process: {@link dev.ember.langchain4j.EmberChatModel} and
 * {@link dev.ember.langchain4j.EmberStreamingChatModel} over a loaded {@link dev.ember.Model}, rendering
 * conversations with the model's own chat template.
 */
package dev.ember.langchain4j;
