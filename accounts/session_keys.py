"""What a sign-in leaves in the session, read by the sign-in middleware and by open
sockets (chat.engine.socket_auth), which must not depend on the middleware itself."""

# Set when the SSO proxy's header signed the person in: the proxy does its own MFA.
SESSION_FLAG = "chat_sso_header"
