"""Pure model of the chat context.

- ``conversation``: the conversation aggregate (bot → queue → agent → closed), its
  messages and events;
- ``messages``: the rules for message text (length, control characters, a typed
  henkilötunnus masked); ``limits``: messages per sender over time;
- ``bot``: the chatbot — language detection, the deterministic intent matcher
  (Snowball stems, typo-tolerant), answers in fi/sv/en with links to MyRopo pages, and
  when to hand the conversation to a person.

The service layer, storage, gRPC and the gateway's chat pages are not built yet.
"""
