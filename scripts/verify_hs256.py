#!/usr/bin/env python3
"""Verifies an HS256 JWT from better-auth-actix the way a FastAPI backend would, with PyJWT.

Usage: verify_hs256.py <token> <secret> <issuer> <audience>
Prints the verified claims as JSON; exits 1 (with the reason on stderr) when verification fails.
"""
import json
import sys

import jwt


def main():
    token, secret, issuer, audience = sys.argv[1:5]
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError as e:
        print(f"invalid: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(claims))


if __name__ == "__main__":
    main()
