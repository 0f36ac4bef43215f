#!/usr/bin/env python3
"""A scripted fake of the Gemini API (generativelanguage) for tests/integration/agent_gemini.sh.

    fake_gemini.py PORTFILE LOGFILE SCRIPT.json

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE once listening), logs every request as one JSON line
({"path", "body"}) to LOGFILE, and answers POST .../models/MODEL:streamGenerateContent (server-sent events) and
:generateContent (JSON). A request that offers tools (the agent's main turn) gets step N of SCRIPT (a JSON list of
{"tool": NAME, "args": {...}} or {"text": "..."}), N = the number of function calls already in its contents. Any
other request (Gemini CLI's side questions: next speaker, loop detection, titles) gets a JSON text saying the user
speaks next; :countTokens a small count. Only the standard library and fake_api.py (copied next to it): it runs
inside the sandbox."""
import json
import sys

sys.dont_write_bytecode = True  # it runs inside the sandboxed project: no __pycache__ there
from fake_api import Handler, args, serve  # noqa: E402 (copied next to this file)

PORTFILE, LOGFILE, SCRIPT = args()
USAGE = {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}


def calls_so_far(body):
    return sum(1 for c in body.get("contents") or [] if isinstance(c, dict)
               for p in c.get("parts") or [] if isinstance(p, dict) and "functionCall" in p)


def reply_parts(body):
    if not body.get("tools"):
        return [{"text": json.dumps({"reasoning": "The model finished its turn.", "next_speaker": "user"})}]
    step = calls_so_far(body)
    s = SCRIPT[step] if step < len(SCRIPT) else {"text": "done"}
    if "tool" in s:
        return [{"functionCall": {"name": s["tool"], "args": s.get("args") or {}}}]
    return [{"text": s["text"]}]


def response(body):
    return {"candidates": [{"content": {"role": "model", "parts": reply_parts(body)}, "finishReason": "STOP",
                            "index": 0}],
            "usageMetadata": USAGE, "modelVersion": "gemini-fake"}


class Gemini(Handler):
    def do_GET(self):
        self.log({"path": self.path, "method": "GET"})
        self.send_json(200, {"models": []} if "/models" in self.path else {})

    def do_POST(self):
        body = self.read_json(lambda raw: {"raw": raw.decode("utf-8", "replace")})
        path = self.path.split("?")[0]
        if path.endswith(":countTokens"):
            self.send_json(200, {"totalTokens": 10})
        elif path.endswith(":streamGenerateContent"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(("data: %s\r\n\r\n" % json.dumps(response(body))).encode())
            self.end_events()
        elif path.endswith(":generateContent"):
            self.send_json(200, response(body))
        else:
            self.send_json(200, {})


serve(Gemini, PORTFILE, LOGFILE)
