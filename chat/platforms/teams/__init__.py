"""Microsoft Teams: the Bot Framework messaging endpoint and the connector API.

Not with botbuilder-core: it installs (msrest, msal, azure-core and more) but pins the
deprecated msrest and reads the Bot Framework's OpenID metadata from fixed URLs. The
same checks are made here with PyJWT: an RS256 token signed by a key of the configured
OpenID metadata's JWKS, issued by the Bot Framework, for this app (audience), unexpired,
and naming the activity's serviceUrl. Replies go through the connector API with a token
from the client-credentials flow.
"""
