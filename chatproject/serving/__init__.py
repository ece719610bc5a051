"""How the server is run fast and safely: each module says what it fixes and how it was
measured or checked. Nothing here knows the chat: it tunes Django, Channels and daphne."""
