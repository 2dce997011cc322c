"""Vision-LLM back-ends over the OpenAI chat-completions protocol."""
