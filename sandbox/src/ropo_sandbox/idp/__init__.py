"""OpenID Connect identity broker (authorization code + PKCE, signed ID tokens).

Imitates a Finnish Trust Network broker closely enough for the gateway's
relying-party code: discovery, JWKS, an authorize page that picks a test
person (MyRopo) or a staff user with roles (the Ropo One client), a token
endpoint, userinfo. The FTN profile's extras (private_key_jwt,
encrypted ID tokens, signed request objects) plug in at ``clients.authenticate_client``
(a new auth method) and ``tokens.IdTokenIssuer`` (wrap the JWS in a JWE).
"""
