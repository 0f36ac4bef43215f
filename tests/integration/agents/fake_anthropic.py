#!/usr/bin/env python3
"""A scripted fake of the Anthropic Messages API for tests/integration/agent_claude.sh.

    fake_anthropic.py PORTFILE LOGFILE SCRIPT.json

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE once listening), logs every request body as one
JSON line to LOGFILE, and answers:
  - the agent's main loop (a request whose tools include "Read"): step N of SCRIPT (a JSON list of
    {"tool": NAME, "input": {...}} or {"text": "..."}), N = the number of tool_use blocks already in the
    conversation, as a streamed (SSE) or plain message the way the real API does;
  - anything else (titles, quota checks, summaries): a short text message.
Only the standard library and fake_api.py (copied next to it): it runs inside the sandbox."""
import json
import sys

sys.dont_write_bytecode = True  # it runs inside the sandboxed project: no __pycache__ there
from fake_api import Handler, args, next_id, serve  # noqa: E402 (copied next to this file)

PORTFILE, LOGFILE, SCRIPT = args()


def tool_uses(messages):
    n = 0
    for m in messages:
        if m.get("role") == "assistant" and isinstance(m.get("content"), list):
            n += sum(1 for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_use")
    return n


def reply_blocks(body):
    tools = [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
    if "Read" not in tools:
        return [{"type": "text", "text": "ok"}], "end_turn"
    step = tool_uses(body.get("messages") or [])
    if step >= len(SCRIPT):
        return [{"type": "text", "text": "done"}], "end_turn"
    s = SCRIPT[step]
    if "tool" in s:
        return [{"type": "tool_use", "id": next_id("toolu"), "name": s["tool"], "input": s["input"]}], "tool_use"
    return [{"type": "text", "text": s["text"]}], "end_turn"


class Messages(Handler):
    def do_GET(self):
        self.send_json(200, {})

    do_HEAD = do_GET

    def do_POST(self):
        body = self.read_json(lambda raw: {})
        if not self.path.startswith("/v1/messages") or "count_tokens" in self.path:
            self.send_json(200, {"input_tokens": 10} if "count_tokens" in self.path else {})
            return
        blocks, stop = reply_blocks(body)
        model = body.get("model", "claude-fake")
        usage = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}
        msg = {"id": next_id("msg"), "type": "message", "role": "assistant", "model": model, "content": blocks,
               "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            self.send_json(200, msg)
            return
        self.start_events()
        ev = self.event
        ev("message_start", {"message": dict(msg, content=[], stop_reason=None)})
        for i, b in enumerate(blocks):
            if b["type"] == "text":
                ev("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}})
                ev("content_block_delta", {"index": i, "delta": {"type": "text_delta", "text": b["text"]}})
            else:
                ev("content_block_start", {"index": i, "content_block": dict(b, input={})})
                ev("content_block_delta", {"index": i, "delta": {"type": "input_json_delta",
                                                                  "partial_json": json.dumps(b["input"])}})
            ev("content_block_stop", {"index": i})
        ev("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}})
        ev("message_stop", {})
        self.end_events()


serve(Messages, PORTFILE, LOGFILE)
