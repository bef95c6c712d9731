"use strict";
// The chat page: streams /v1/chat/completions (the same SSE API any client uses), shows sources and guardrail
// outcomes, keeps the conversation in the page and the API key in this tab's sessionStorage only.
// All server text goes in with textContent, never as HTML.

const history = [];
let controller = null;
const $ = (id) => document.getElementById(id);
const KEY = "rag-api-key";

function apiKey() { return sessionStorage.getItem(KEY) || ""; }
function status(text) { $("status").textContent = text; }

function addTurn(role, text) {
  const item = document.createElement("li");
  item.className = `turn ${role}`;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = role === "user" ? "You" : "Assistant";
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  item.append(who, body);
  $("conversation").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

// Follow a growing answer while the reader is at the bottom of the page; leave them be once they scroll up.
function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 96; }
function keepInView(item, follow) { if (follow) item.scrollIntoView({ block: "end" }); }

function notice(item, kind, text) {
  const note = document.createElement("p");
  note.className = `notice ${kind}`;
  note.setAttribute("data-kind", kind);
  note.textContent = text;
  item.append(note);
}

function showSources(item, final) {
  const cited = final.citations || [];
  const given = final.sources || [];
  const list = cited.length ? cited : given;
  if (!list.length) return;
  const heading = document.createElement("p");
  heading.className = "who";
  heading.textContent = cited.length ? "Sources cited" : "Sources";
  const sources = document.createElement("ol");
  sources.className = "sources";
  sources.setAttribute("aria-label", heading.textContent);
  for (const source of list) {
    const entry = document.createElement("li");
    entry.className = "source";
    entry.value = source.n;
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    const page = source.page === null || source.page === undefined ? "" : `, page ${source.page}`;
    const section = source.section ? ` › ${source.section}` : "";
    summary.textContent = `${source.title}${section}${page}`;
    const quote = document.createElement("blockquote");
    quote.textContent = source.text;
    const origin = document.createElement("small");
    origin.textContent = source.source;
    details.append(summary, quote, origin);
    entry.append(details);
    sources.append(entry);
  }
  item.append(heading, sources);
}

// Unsupported sentences (the groundedness check's offsets count code points of the answer) get a dotted underline
// and a note; the text itself is never rebuilt from HTML.
function markUnsupported(text, answer, grounding) {
  const spans = (grounding && grounding.unsupported) || [];
  if (!spans.length) return 0;
  const chars = Array.from(answer);
  const parts = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at || span.end > chars.length) continue;
    parts.push(document.createTextNode(chars.slice(at, span.start).join("")));
    const mark = document.createElement("mark");
    mark.className = "unsupported";
    mark.title = "Not supported by the sources";
    mark.textContent = chars.slice(span.start, span.end).join("");
    parts.push(mark);
    at = span.end;
  }
  parts.push(document.createTextNode(chars.slice(at).join("")));
  text.replaceChildren(...parts);
  return spans.length;
}

async function explainRefusal(item, response) {
  let error = {};
  try { error = (await response.json()).error || {}; } catch (_) { /* not JSON */ }
  const retry = response.headers.get("Retry-After");
  if (error.code === "content_filter") {
    const message = (error.message || "this request was refused").replace(/^this request was refused by the input guardrails/, "This request was refused");
    notice(item, "refused", message);
  } else if (response.status === 429 || response.status === 503) {
    const wait = retry ? ` Try again in ${retry} second${retry === "1" ? "" : "s"}.` : " Try again shortly.";
    notice(item, "error", `The server is busy or not ready (HTTP ${response.status}).${wait}`);
  } else if (response.status === 401) {
    notice(item, "error", "This server needs an API key: open “API key” at the top and save yours.");
  } else {
    notice(item, "error", error.message || `The request failed (HTTP ${response.status}).`);
  }
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").disabled = !busy;
  status(busy ? "Answering…" : "");
}

async function ask(question) {
  history.push({ role: "user", content: question });
  addTurn("user", question);
  const item = addTurn("assistant", "");
  const text = item.querySelector(".text");
  item.setAttribute("aria-busy", "true");
  controller = new AbortController();
  setBusy(true);
  const headers = { "Content-Type": "application/json" };
  if (apiKey()) headers.Authorization = `Bearer ${apiKey()}`;
  let answer = "";
  let final = null;
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers, signal: controller.signal,
      body: JSON.stringify({ messages: history, stream: true, max_tokens: 400 }),
    });
    if (!response.ok) {
      history.pop();  // a refused question does not become part of the conversation
      await explainRefusal(item, response);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let done = false;
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split("\n\n");
      buffer = events.pop();
      for (const event of events) {
        const data = event.startsWith("data: ") ? event.slice(6) : "";
        if (data === "[DONE]") { done = true; break; }
        if (!data) continue;
        const chunk = JSON.parse(data);
        if (chunk.error) { notice(item, "error", `The answer failed: ${chunk.error.message}`); continue; }
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) continue;
        if (choice.delta && choice.delta.content) {
          const follow = atBottom();
          answer += choice.delta.content;
          text.textContent = answer;
          keepInView(item, follow);
        }
        if (choice.finish_reason) final = { ...chunk, finish_reason: choice.finish_reason };
      }
    }
    if (!done) notice(item, "error", "The connection dropped before the answer was complete.");
  } catch (error) {
    if (controller.signal.aborted) {
      notice(item, "stopped", "Stopped: generation was cancelled.");
    } else {
      notice(item, "error", "The connection to the server was lost. Check your network and try again.");
    }
  } finally {
    item.removeAttribute("aria-busy");
    controller = null;
    setBusy(false);
  }
  const follow = atBottom();
  if (final) {
    if ((final.masked || []).length) {
      notice(item, "masked", `Personal data (${final.masked.join(", ").toLowerCase().replaceAll("_", " ")}) was masked before it reached the model.`);
    }
    if (final.guardrail) {
      notice(item, "stopped", `The answer was stopped by the output policy (${final.guardrail.guard.replaceAll("_", " ")}). Decision ${final.guardrail.decision_id}.`);
    } else if (final.finish_reason === "length") {
      notice(item, "stopped", "The answer reached its length limit.");
    }
    const unsupported = markUnsupported(text, answer, final.grounding);
    if (unsupported) {
      notice(item, "unsupported", `${unsupported === 1 ? "One sentence is" : `${unsupported} sentences are`} not supported by the sources (underlined): check them before relying on them.`);
    }
    showSources(item, final);
  }
  keepInView(item, follow);
  if (answer) history.push({ role: "assistant", content: answer });
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = apiKey();
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("api-key").value.trim());
    status("API key saved for this tab.");
    $("key-panel").open = false;
  });
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question || controller) return;
    $("question").value = "";
    ask(question);
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("ask-form").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => { if (controller) controller.abort(); });
  $("question").focus();
});
