"""Prints an HS256 JWT for the benchmarks: `sub` = the user id, valid for an hour.

Usage: python3 bench/mint-hs256.py SECRET USER_ID
"""

import base64
import hashlib
import hmac
import json
import sys
import time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


secret, user_id = sys.argv[1], sys.argv[2]
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
payload = b64(json.dumps({"sub": user_id, "exp": int(time.time()) + 3600}).encode())
sig = b64(hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
print(f"{header}.{payload}.{sig}")
