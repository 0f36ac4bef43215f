#!/usr/bin/env python3
"""A scripted fake of the OpenAI Responses API (tests/integration/agent_codex.sh) and Chat Completions API
(agent_opencode.sh, an OpenAI-compatible provider).

    fake_openai.py PORTFILE LOGFILE SCRIPT.json

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE once listening), logs every request as one JSON line
({"path", "body"}) to LOGFILE, and answers POST .../responses with a streamed (SSE) response: step N of SCRIPT (a
JSON list of {"shell": "COMMAND"}, {"tool": NAME, "args": {...}}, {"custom": NAME, "input": "TEXT"} or
{"text": "..."}), N = the number of tool calls already in the request's input. A {"shell": ...} step calls the shell
tool the request offers (shell_command, exec_command or shell) with that command; a {"tool": ...} step calls that
function tool with those arguments; a {"custom": ...} step calls that freeform tool (apply_patch) with that input.
POST .../chat/completions streams (SSE chunks) step N of the same SCRIPT, N = the number of tool calls in the
request's assistant messages: {"tool": NAME, "args": {...}} calls that function tool, {"text": ...} answers; a
request without tools (a title for the session) gets a short text. Anything else gets an empty JSON object. Only the standard library and fake_api.py (copied next to it): it runs
inside the sandbox."""
import json
import sys

sys.dont_write_bytecode = True  # it runs inside the sandboxed project: no __pycache__ there
from fake_api import Handler, args, next_id, serve  # noqa: E402 (copied next to this file)

PORTFILE, LOGFILE, SCRIPT = args()


def tool_name(t):
    return t.get("name") or (t.get("function") or {}).get("name")


def shell_call(body, command):
    tools = [tool_name(t) for t in body.get("tools") or [] if isinstance(t, dict)]
    if "shell_command" in tools:
        return "shell_command", {"command": command}
    if "exec_command" in tools:
        return "exec_command", {"cmd": command}
    return "shell", {"command": ["bash", "-lc", command]}


def reply_item(body):
    inp = body.get("input") or []
    step = sum(1 for i in inp if isinstance(i, dict) and i.get("type") in ("function_call", "custom_tool_call",
                                                                          "local_shell_call"))
    s = SCRIPT[step] if step < len(SCRIPT) else {"text": "done"}
    if "custom" in s:
        return {"type": "custom_tool_call", "id": next_id("ctc"), "call_id": next_id("call"), "name": s["custom"],
                "input": s.get("input") or "", "status": "completed"}
    if "shell" in s or "tool" in s:
        name, args = shell_call(body, s["shell"]) if "shell" in s else (s["tool"], s.get("args") or {})
        return {"type": "function_call", "id": next_id("fc"), "call_id": next_id("call"), "name": name,
                "arguments": json.dumps(args), "status": "completed"}
    return {"type": "message", "id": next_id("msg"), "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": s["text"], "annotations": []}]}


def chat_chunks(body):
    """The streamed chunks of a Chat Completions answer."""
    step = sum(len(m.get("tool_calls") or []) for m in body.get("messages") or []
               if isinstance(m, dict) and m.get("role") == "assistant")
    s = SCRIPT[step] if step < len(SCRIPT) else {"text": "done"}
    if not body.get("tools"):
        s = {"text": "Scripted session"}
    cid, model = next_id("chatcmpl"), body.get("model", "gpt-fake")

    def chunk(delta, finish=None):
        return {"id": cid, "object": "chat.completion.chunk", "created": 1, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if "tool" in s:
        call = {"index": 0, "id": next_id("call"), "type": "function",
                "function": {"name": s["tool"], "arguments": json.dumps(s.get("args") or {})}}
        out = [chunk({"role": "assistant", "content": None, "tool_calls": [call]}), chunk({}, "tool_calls")]
    else:
        out = [chunk({"role": "assistant", "content": s["text"]}), chunk({}, "stop")]
    out[-1]["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return out


class Responses(Handler):
    def do_GET(self):
        self.log({"path": self.path, "method": "GET"})
        self.send_json(200, {"models": []} if "/models" in self.path else {})

    def do_POST(self):
        body = self.read_json(lambda raw: {"raw": raw.decode("utf-8", "replace")})
        if self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
            self.start_events()
            for c in chat_chunks(body):
                self.wfile.write(("data: %s\n\n" % json.dumps(c)).encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.end_events()
            return
        if not self.path.rstrip("/").endswith("/responses"):
            self.send_json(200, {})
            return
        item = reply_item(body)
        rid = next_id("resp")
        model = body.get("model", "gpt-fake")
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                 "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}
        self.start_events()
        ev = self.event
        resp = {"id": rid, "object": "response", "model": model, "status": "in_progress", "output": []}
        ev("response.created", {"response": resp})
        ev("response.output_item.added", {"output_index": 0, "item": item})
        if item["type"] == "message":
            ev("response.output_text.delta", {"output_index": 0, "content_index": 0, "item_id": item["id"],
                                              "delta": item["content"][0]["text"]})
        ev("response.output_item.done", {"output_index": 0, "item": item})
        ev("response.completed", {"response": dict(resp, status="completed", output=[item], usage=usage)})
        self.end_events()


serve(Responses, PORTFILE, LOGFILE)
