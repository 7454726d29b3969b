#!/usr/bin/env python3
"""Independent implementation of Better Auth's private-key encryption, for interop tests.

Better Auth (packages/better-auth/src/crypto/index.ts) encrypts with XChaCha20-Poly1305 under
SHA-256(secret), writing hex(nonce[24] || ciphertext || tag[16]), optionally as $ba$<version>$<hex>.
Python's `cryptography` has ChaCha20-Poly1305 but no XChaCha, so HChaCha20 is written out here
(draft-irtf-cfrg-xchacha-03 section 2.2).

Usage:
  xchacha_decrypt.py decrypt <secret> <data>            prints the plaintext
  xchacha_decrypt.py encrypt <secret> <nonce-hex> <pt>  prints hex(nonce || ct || tag)
"""
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305


def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 7)


def hchacha20(key, nonce16):
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        _quarter(state, 0, 4, 8, 12)
        _quarter(state, 1, 5, 9, 13)
        _quarter(state, 2, 6, 10, 14)
        _quarter(state, 3, 7, 11, 15)
        _quarter(state, 0, 5, 10, 15)
        _quarter(state, 1, 6, 11, 12)
        _quarter(state, 2, 7, 8, 13)
        _quarter(state, 3, 4, 9, 14)
    return struct.pack("<8I", *(state[0:4] + state[12:16]))


def _aead(secret, nonce):
    key = hashlib.sha256(secret.encode()).digest()
    subkey = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(subkey), b"\x00\x00\x00\x00" + nonce[16:]


def encrypt(secret, nonce, plaintext):
    aead, n = _aead(secret, nonce)
    return (nonce + aead.encrypt(n, plaintext.encode(), None)).hex()


def decrypt(secret, data):
    if data.startswith("$ba$"):
        data = data.split("$", 3)[3]
    raw = bytes.fromhex(data)
    aead, n = _aead(secret, raw[:24])
    return aead.decrypt(n, raw[24:], None).decode()


if __name__ == "__main__":
    if sys.argv[1] == "decrypt":
        print(decrypt(sys.argv[2], sys.argv[3]))
    else:
        print(encrypt(sys.argv[2], bytes.fromhex(sys.argv[3]), sys.argv[4]))
