"""schemathesis hooks for tests/intake_contract.rs: sign every request like a terminal.

The signature is computed on the prepared request (exact body bytes and path), so it
matches what the simulator receives.
"""
import hashlib
import hmac
import os
import secrets
import time

import requests
import schemathesis

KEY = bytes.fromhex(os.environ["INTAKE_SIGNING_KEY_HEX"])
TERMINAL = os.environ["INTAKE_TERMINAL_ID"]


class TerminalSignature(requests.auth.AuthBase):
    def __call__(self, r):
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        ts = str(int(time.time()))
        nonce = secrets.token_hex(16)
        canonical = "\n".join([r.method.upper(), r.path_url, ts, nonce, hashlib.sha256(body).hexdigest()])
        r.headers["X-Terminal-Id"] = TERMINAL
        r.headers["X-Timestamp"] = ts
        r.headers["X-Nonce"] = nonce
        r.headers["X-Signature"] = hmac.new(KEY, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
        return r


SIGNING_HEADERS = ("X-Terminal-Id", "X-Timestamp", "X-Nonce", "X-Signature")


@schemathesis.hook
def before_call(context, case, kwargs):
    # Cases generated to lack the security headers must stay unsigned (and get 401).
    headers = case.headers or {}
    if all(h in headers for h in SIGNING_HEADERS):
        kwargs["auth"] = TerminalSignature()
        # A heartbeat or help call must name the signing terminal (else 422): a generated
        # string id becomes ours, so such calls can pass. Any string is valid there, so a
        # negative case stays negative.
        body = case.body
        if isinstance(body, dict) and isinstance(body.get("terminal_id"), str):
            body["terminal_id"] = TERMINAL


@schemathesis.hook
def after_call(context, case, response):
    # One line per call, so the Rust test can prove the signed calls really passed.
    log = os.environ.get("INTAKE_CONTRACT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{case.method} {case.operation.path} {response.status_code}\n")
