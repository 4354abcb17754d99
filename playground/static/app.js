// wuxue playground page: plain JavaScript, no build step, nothing fetched from another origin.
"use strict";

const TEXT_MAX = 4096;          // Telegram's limit for a message's text
const FILE_MAX = 20 * 1024 * 1024; // the most a bot may download
const CAPTION_MAX = 1024;

const I18N = {
  zh: {
    title: "五学联动 · 演示", iam: "我是", bot_time: "机器人时间", plus_hour: "+1 小时", plus_day: "+1 天",
    to_monday: "到下周一 09:00", to_session: "到下一场学习开始", inspector: "检查器", reset: "重置演示",
    inspector_title: "检查器：Bot API 调用与更新（最新在前）", calls: "调用", updates: "更新", menu: "菜单",
    send: "发送", placeholder: "输入消息，Enter 发送，Shift+Enter 换行", attach: "发送图片或文件",
    edited: "已编辑", members: "{n} 位成员", private_sub: "与机器人的私聊", bot: "机器人",
    too_long: "消息过长：{n} 字，Telegram 每条消息最多 {max} 字。请分成几条发送。",
    too_big: "文件过大：{size}，机器人最多能接收 20 MB 的文件。",
    caption_too_long: "说明文字过长：最多 {max} 字。",
    empty: "不能发送空消息。", replying: "回复 {name}：{text}", reply_to_bot: "回复机器人的提问",
    reset_confirm: "重置演示？所有演示数据将被清除并重新生成。", resetting: "正在重置演示…",
    no_session: "没有尚未开始的学习安排。", clock_moved: "时间已调到 {time}，到期的提醒会陆续送达。",
    quiz: "测验", poll: "投票", anonymous: "匿名", votes: "{n} 票", closed: "已结束", voted: "您已投票。",
    no_commands: "此聊天没有命令菜单。", empty_chat: "还没有消息。发送 /help 试试。", failed: "发送失败：{why}",
    disconnected: "与演示服务器的连接中断，正在重连…", download: "下载", reply: "回复",
    poll_closed: "投票已结束。", gone: "这条消息已不存在。",
  },
  en: {
    title: "wuxue · Playground", iam: "I am", bot_time: "Bot time", plus_hour: "+1 hour", plus_day: "+1 day",
    to_monday: "To next Monday 09:00", to_session: "To the next session's start", inspector: "Inspector",
    reset: "Reset demo", inspector_title: "Inspector: Bot API calls and updates (newest first)", calls: "calls",
    updates: "updates", menu: "Menu", send: "Send", placeholder: "Message — Enter sends, Shift+Enter new line",
    attach: "Send a photo or a file", edited: "edited", members: "{n} members", private_sub: "Private chat with the bot",
    bot: "bot", too_long: "Message too long: {n} characters; Telegram takes at most {max}. Split it up.",
    too_big: "File too big: {size}; a bot can receive files up to 20 MB.",
    caption_too_long: "Caption too long: at most {max} characters.",
    empty: "Cannot send an empty message.", replying: "Reply to {name}: {text}", reply_to_bot: "Answer the bot's question",
    reset_confirm: "Reset the demo? All demo data is wiped and made again.", resetting: "Resetting the demo…",
    no_session: "No session is scheduled ahead.", clock_moved: "Clock moved to {time}; what fell due arrives now.",
    quiz: "Quiz", poll: "Poll", anonymous: "anonymous", votes: "{n} votes", closed: "closed", voted: "You voted already.",
    no_commands: "No command menu in this chat.", empty_chat: "No messages yet. Try /help.", failed: "Not sent: {why}",
    disconnected: "Lost the connection to the playground; reconnecting…", download: "Download", reply: "Reply",
    poll_closed: "The poll is closed.", gone: "That message no longer exists.",
  },
};

const S = {
  lang: localStorage.getItem("pg.lang") || "zh",
  persona: localStorage.getItem("pg.persona") || "liming",
  chat: null,
  bot: null, personas: [], chats: [], messages: new Map(), inspector: [], votes: {},
  clock: { now: null, at: 0, tz: "Asia/Shanghai" },
  reply: null, // {id, name, text, force}
  unread: new Map(),
};

const $ = (id) => document.getElementById(id);
const T = (key, params = {}) => (I18N[S.lang][key] || I18N.zh[key] || key).replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const key = (chat, id) => `${chat}:${id}`;
const me = () => S.personas.find((p) => p.key === S.persona) || S.personas[0];

// ---------------------------------------------------------------------------------------- i18n
function applyLang() {
  document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = T(el.dataset.i18n); });
  $("lang").textContent = S.lang === "zh" ? "English" : "中文";
  $("input").placeholder = T("placeholder");
  $("attach").title = T("attach");
  document.title = T("title");
  renderPersonas(); renderChats(); renderChat(); renderClock();
}

// ---------------------------------------------------------------------------------------- personas, chats
function renderPersonas() {
  const sel = $("persona");
  sel.innerHTML = S.personas.map((p) => `<option value="${p.key}">${esc(p.name)}</option>`).join("");
  sel.value = S.persona;
  const p = me();
  $("persona-role").textContent = p ? (S.lang === "zh" ? p.role_zh : p.role_en) : "";
}

function myChats() {
  const p = me();
  if (!p) return [];
  const groups = S.chats.filter((c) => c.type === "group" && p.groups.includes(c.id));
  const priv = S.chats.find((c) => c.type === "private" && c.id === p.id);
  return [...groups, priv].filter(Boolean);
}

function chatTitle(c) { return c.type === "private" ? `${S.bot ? S.bot.name : "bot"}` : c.title; }

function lastOf(chatId) {
  let last = null;
  for (const m of S.messages.values()) if (m.chat === chatId && (!last || m.id > last.id)) last = m;
  return last;
}

function renderChats() {
  const list = myChats();
  if (!list.some((c) => c.id === S.chat)) S.chat = list.length ? list[list.length - 1].id : null;
  $("chats").innerHTML = list.map((c) => {
    const last = lastOf(c.id);
    const preview = last ? (last.text || last.caption || (last.document && last.document.name) || (last.poll && last.poll.question) || "🖼") : "";
    const unread = S.unread.get(c.id) || 0;
    const cls = c.type === "private" ? "bot" : "group";
    return `<div class="chat-item${c.id === S.chat ? " active" : ""}" data-chat="${c.id}" data-testid="chat-item" data-title="${esc(chatTitle(c))}">
      <div class="avatar ${cls}">${esc(chatTitle(c).slice(0, 1))}</div>
      <div><div class="name">${esc(chatTitle(c))}</div><div class="last">${esc(preview.split("\n")[0])}</div></div>
      ${unread ? `<span class="badge">${unread}</span>` : ""}</div>`;
  }).join("");
}

$("chats").addEventListener("click", (e) => {
  const item = e.target.closest(".chat-item");
  if (!item) return;
  openChat(Number(item.dataset.chat));
});

function openChat(id) {
  S.chat = id; S.unread.delete(id); S.reply = null;
  hideMenu(); notice(""); renderChats(); renderChat(); applyForceReply();
}

$("persona").addEventListener("change", (e) => {
  S.persona = e.target.value; localStorage.setItem("pg.persona", S.persona);
  S.unread.clear(); S.reply = null;
  renderPersonas(); renderChats(); renderChat(); hideMenu(); notice(""); applyForceReply();
});

// ---------------------------------------------------------------------------------------- messages
function entitiesHtml(text, entities) {
  if (!text) return "";
  if (!entities || !entities.length) return esc(text);
  // Runs of text with the same active entities, each wrapped in its tags (offsets are UTF-16, as JS strings).
  const cuts = new Set([0, text.length]);
  entities.forEach((e) => { cuts.add(e.offset); cuts.add(Math.min(text.length, e.offset + e.length)); });
  const points = [...cuts].sort((a, b) => a - b);
  let out = "";
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i], b = points[i + 1];
    let piece = esc(text.slice(a, b));
    entities.filter((e) => e.offset <= a && e.offset + e.length >= b).forEach((e) => { piece = wrap(piece, e); });
    out += piece;
  }
  return out;
}

function wrap(html, e) {
  switch (e.type) {
    case "bold": return `<b>${html}</b>`;
    case "italic": return `<i>${html}</i>`;
    case "underline": return `<u>${html}</u>`;
    case "strikethrough": return `<s>${html}</s>`;
    case "code": return `<code>${html}</code>`;
    case "pre": return `<pre>${html}</pre>`;
    case "blockquote": return `<blockquote>${html}</blockquote>`;
    case "spoiler": return `<span class="spoiler">${html}</span>`;
    case "text_link": return /^https?:/.test(e.url || "") ? `<a href="${esc(e.url)}" target="_blank" rel="noopener noreferrer">${html}</a>` : html;
    case "text_mention": return `<b>${html}</b>`;
    default: return html;
  }
}

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return new Intl.DateTimeFormat(S.lang === "zh" ? "zh-CN" : "en-GB", { timeZone: S.clock.tz, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(d);
}

function fmtSize(n) {
  if (n == null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function messageHtml(m) {
  const p = me();
  const mine = p && m.from.id === p.id;
  const chat = S.chats.find((c) => c.id === m.chat);
  const showName = !mine && (chat && chat.type === "group" || m.from.bot);
  let body = "";
  if (m.reply_to) body += `<div class="quote">${esc(m.reply_to.name)}: ${esc(m.reply_to.text)}</div>`;
  if (m.photo) body += `<img class="photo" src="${esc(m.photo)}" alt="photo">`;
  if (m.document) {
    const ext = (m.document.name.split(".").pop() || "").slice(0, 4).toUpperCase();
    body += `<div class="doc"><div class="icon">${esc(ext)}</div><div><a href="${esc(m.document.url)}" download="${esc(m.document.name)}" data-testid="document">${esc(m.document.name)}</a><div class="size">${fmtSize(m.document.size)}</div></div></div>`;
  }
  if (m.poll) body += pollHtml(m);
  if (m.text) body += `<div class="text">${entitiesHtml(m.text, m.entities)}</div>`;
  if (m.caption) body += `<div class="text">${entitiesHtml(m.caption, m.caption_entities)}</div>`;
  if (m.reactions && m.reactions.length) body += `<div class="reactions">${m.reactions.map((r) => `<span>${esc(r)}</span>`).join("")}</div>`;
  const meta = `<span class="reply-btn" data-reply="1" data-testid="reply">↩ ${T("reply")}</span>${m.edited ? `<span data-testid="edited">${T("edited")}</span> · ` : ""}${fmtTime(m.at)}`;
  const who = showName ? `<div class="who">${esc(m.from.bot ? (S.bot ? S.bot.name : "bot") : m.from.name)}</div>` : "";
  let html = `<div class="msg${mine ? " mine" : ""}${m.from.bot ? " bot" : ""}" data-testid="message" data-id="${m.id}" data-chat="${m.chat}" data-from="${m.from.bot ? "bot" : m.from.id}">${who}${body}<div class="meta">${meta}</div></div>`;
  if (m.markup && m.markup.length) {
    html += `<div class="keyboard" data-testid="keyboard" data-for="${m.id}">${m.markup.map((row) => `<div class="row">${row.map((b) => {
      if (b.url) return `<a href="${esc(b.url)}" target="_blank" rel="noopener noreferrer">${esc(b.text)} ↗</a>`;
      return `<button type="button" data-press="${esc(b.callback_data || "")}" data-message="${m.id}" data-testid="inline-button">${esc(b.text)}</button>`;
    }).join("")}</div>`).join("")}</div>`;
  }
  return html;
}

function pollHtml(m) {
  const poll = m.poll;
  const p = me();
  const voted = p && (S.votes[poll.id] || []).includes(p.id);
  const showResults = voted || poll.closed;
  const total = Math.max(1, poll.total || 0);
  const kind = `${poll.type === "quiz" ? T("quiz") : T("poll")}${poll.anonymous ? " · " + T("anonymous") : ""}${poll.closed ? " · " + T("closed") : ""} · ${T("votes", { n: poll.total || 0 })}`;
  const opts = poll.options.map((o, i) => {
    const pct = Math.round((o.votes / total) * 100);
    const correct = showResults && poll.correct && poll.correct.includes(i) ? " correct" : "";
    return `<button type="button" class="opt${correct}" data-vote="${i}" data-message="${m.id}" data-testid="poll-option" ${showResults ? "disabled" : ""}>
      ${showResults ? `<div class="bar" style="width:${pct}%"></div>` : ""}<span>${esc(o.text)}${showResults ? ` — ${pct}%` : ""}${correct ? " ✓" : ""}</span></button>`;
  }).join("");
  return `<div class="poll" data-testid="poll"><div class="q">${esc(poll.question)}</div><div class="kind">${kind}</div>${opts}</div>`;
}

function renderChat() {
  const chat = S.chats.find((c) => c.id === S.chat);
  $("chat-title").textContent = chat ? chatTitle(chat) : "";
  $("chat-sub").textContent = chat ? (chat.type === "group" ? T("members", { n: chat.members.length }) : T("private_sub")) : "";
  const list = [...S.messages.values()].filter((m) => m.chat === S.chat).sort((a, b) => a.id - b.id);
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML = list.length ? list.map(messageHtml).join("") : `<div class="empty">${T("empty_chat")}</div>`;
  if (atBottom || box.dataset.chat !== String(S.chat)) box.scrollTop = box.scrollHeight;
  box.dataset.chat = String(S.chat);
}

$("messages").addEventListener("click", async (e) => {
  const spoiler = e.target.closest(".spoiler");
  if (spoiler) { spoiler.classList.add("open"); return; }
  const replyBtn = e.target.closest("[data-reply]");
  if (replyBtn) {
    const el = replyBtn.closest(".msg");
    const m = el && S.messages.get(key(el.dataset.chat, el.dataset.id));
    if (m) setReply(m, false);
    return;
  }
  const press = e.target.closest("[data-press]");
  if (press) {
    await api("/api/press", { persona: S.persona, chat: S.chat, message: Number(press.dataset.message), data: press.dataset.press });
    return;
  }
  const vote = e.target.closest("[data-vote]");
  if (vote && !vote.disabled) {
    await api("/api/vote", { persona: S.persona, chat: S.chat, message: Number(vote.dataset.message), option: Number(vote.dataset.vote) });
  }
});

$("messages").addEventListener("dblclick", (e) => {
  const el = e.target.closest(".msg");
  if (!el) return;
  const m = S.messages.get(key(el.dataset.chat, el.dataset.id));
  if (m) setReply(m, false);
});

function setReply(m, force) {
  S.reply = m ? { id: m.id, name: m.from.bot ? (S.bot ? S.bot.name : "bot") : m.from.name, text: (m.text || m.caption || "").split("\n")[0], force, placeholder: m.placeholder } : null;
  const bar = $("replybar");
  if (!S.reply) { bar.hidden = true; $("input").placeholder = T("placeholder"); return; }
  bar.hidden = false;
  bar.dataset.force = force ? "1" : "";
  $("replybar-text").textContent = (force ? T("reply_to_bot") + " · " : "") + T("replying", { name: S.reply.name, text: S.reply.text.slice(0, 60) });
  $("input").placeholder = S.reply.placeholder || T("placeholder");
  $("input").focus();
}
$("replybar-cancel").addEventListener("click", () => setReply(null));

// ForceReply: the bot's latest message in this chat asked for an answer (to this persona): reply mode.
function applyForceReply() {
  const last = lastOf(S.chat);
  const p = me();
  if (!last || !last.from.bot || !last.force_reply || !p) { if (S.reply && S.reply.force) setReply(null); return; }
  const chat = S.chats.find((c) => c.id === S.chat);
  const forMe = chat.type === "private" || !last.reply_to || last.reply_to.name === p.name || (last.text || "").includes(p.name);
  if (forMe) setReply(last, true);
}

// ---------------------------------------------------------------------------------------- composer
function notice(text) {
  const el = $("notice");
  el.textContent = text; el.hidden = !text;
}

async function api(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let data = {};
  try { data = await res.json(); } catch (_) { data = { ok: res.ok, error: await res.text().catch(() => "") }; }
  if (!res.ok || data.ok === false) { explain(data); return null; }
  return data;
}

function explain(data) {
  const code = data && data.error;
  if (code === "too_long") notice(T("too_long", { n: data.length, max: data.limit }));
  else if (code === "too_big") notice(T("too_big", { size: fmtSize(data.size || FILE_MAX + 1) }));
  else if (code === "caption_too_long") notice(T("caption_too_long", { max: data.limit }));
  else if (code && I18N.zh[code]) notice(T(code));
  else notice(T("failed", { why: code || "?" }));
}

async function sendText() {
  const input = $("input");
  const text = input.value;
  if (!text.trim()) { notice(T("empty")); return; }
  if (text.length > TEXT_MAX) { notice(T("too_long", { n: text.length, max: TEXT_MAX })); return; }
  notice("");
  const ok = await api("/api/send", { persona: S.persona, chat: S.chat, text, reply_to: S.reply ? S.reply.id : null });
  if (ok) { input.value = ""; autosize(); setReply(null); hideMenu(); }
}

$("composer").addEventListener("submit", (e) => { e.preventDefault(); sendText(); });
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendText(); }
});
function autosize() { const i = $("input"); i.style.height = "auto"; i.style.height = Math.min(160, i.scrollHeight) + "px"; }
$("input").addEventListener("input", () => {
  autosize();
  if ($("input").value.length > TEXT_MAX) notice(T("too_long", { n: $("input").value.length, max: TEXT_MAX }));
  else if ($("notice").textContent.startsWith(T("too_long", { n: "", max: "" }).slice(0, 4))) notice("");
});

$("attach").addEventListener("click", () => $("file").click());
$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  $("file").value = "";
  if (!file) return;
  if (file.size > FILE_MAX) { notice(T("too_big", { size: fmtSize(file.size) })); return; }
  const caption = $("input").value;
  if (caption.length > CAPTION_MAX) { notice(T("caption_too_long", { max: CAPTION_MAX })); return; }
  notice("");
  const form = new FormData();
  form.append("persona", S.persona); form.append("chat", String(S.chat)); form.append("caption", caption);
  if (S.reply) form.append("reply_to", String(S.reply.id));
  form.append("file", file, file.name);
  const res = await fetch("/api/upload", { method: "POST", body: form });
  const data = await res.json().catch(() => ({ ok: false, error: String(res.status) }));
  if (!res.ok || data.ok === false) { explain({ ...data, size: file.size }); return; }
  $("input").value = ""; setReply(null);
});

// Command menu of this chat for this persona (what setMyCommands gave Telegram).
async function toggleMenu() {
  const menu = $("menu");
  if (!menu.hidden) { hideMenu(); return; }
  const res = await fetch(`/api/commands?persona=${encodeURIComponent(S.persona)}&chat=${S.chat}`);
  const data = await res.json();
  menu.innerHTML = data.commands && data.commands.length
    ? data.commands.map((c) => `<div data-command="${esc(c.command)}" data-testid="menu-command"><b>/${esc(c.command)}</b><span>${esc(c.description)}</span></div>`).join("")
    : `<div>${T("no_commands")}</div>`;
  menu.hidden = false;
}
function hideMenu() { $("menu").hidden = true; }
$("menu-toggle").addEventListener("click", toggleMenu);
$("menu").addEventListener("click", (e) => {
  const item = e.target.closest("[data-command]");
  if (!item) return;
  $("input").value = `/${item.dataset.command} `; hideMenu(); $("input").focus();
});

// ---------------------------------------------------------------------------------------- clock
function renderClock() {
  if (!S.clock.now) return;
  const now = new Date(new Date(S.clock.now).getTime() + (Date.now() - S.clock.at));
  $("clock-now").textContent = new Intl.DateTimeFormat(S.lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: S.clock.tz, weekday: "short", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).format(now);
}
setInterval(renderClock, 1000);

function setClock(c) { S.clock = { now: c.now, at: Date.now(), tz: c.timezone || "Asia/Shanghai" }; renderClock(); }

document.querySelectorAll("[data-move]").forEach((b) => b.addEventListener("click", async () => {
  b.disabled = true;
  try {
    const res = await fetch("/api/clock", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ action: b.dataset.move }) });
    if (!res.ok) { const t = await res.text(); notice(t.includes("no_session") ? T("no_session") : T("failed", { why: t })); return; }
    const data = await res.json();
    setClock(data.clock);
    toast(T("clock_moved", { time: $("clock-now").textContent }));
  } finally { b.disabled = false; }
}));

// ---------------------------------------------------------------------------------------- inspector
function entryHtml(e) {
  const failed = e.kind === "call" && e.response && e.response.ok === false;
  const title = e.kind === "update" ? Object.keys(e.body).filter((k) => k !== "update_id").join(",") : e.method;
  const body = e.kind === "update" ? e.body : { params: e.params, status: e.status, response: e.response };
  return `<div class="entry ${e.kind}${failed ? " failed" : ""}" data-testid="inspector-entry" data-kind="${e.kind}">
    <div class="head"><span class="k">${e.kind === "update" ? "⬇ update" : "⬆ " + esc(title)}</span>${e.kind === "update" ? `<span>${esc(title)}</span>` : `<span>${e.status ?? ""}</span>`}<span class="t">#${e.n} ${fmtTime(e.at)}</span></div>
    <pre>${esc(JSON.stringify(body, null, 2))}</pre></div>`;
}
function renderInspector() {
  if ($("inspector").hidden) return;
  const calls = $("inspector-calls").checked, updates = $("inspector-updates").checked;
  $("inspector-list").innerHTML = S.inspector.slice().reverse().filter((e) => (e.kind === "call" ? calls : updates)).slice(0, 150).map(entryHtml).join("");
}
$("inspector-toggle").addEventListener("click", () => { $("inspector").hidden = !$("inspector").hidden; renderInspector(); });
$("inspector-calls").addEventListener("change", renderInspector);
$("inspector-updates").addEventListener("change", renderInspector);
let inspectorPending = false;
function inspectorSoon() { if (inspectorPending) return; inspectorPending = true; requestAnimationFrame(() => { inspectorPending = false; renderInspector(); }); }

// ---------------------------------------------------------------------------------------- toasts, reset, language
function toast(text, alert = false) {
  const el = document.createElement("div");
  el.className = "toast" + (alert ? " alert" : "");
  el.dataset.testid = "toast";
  el.setAttribute("data-testid", "toast");
  el.textContent = text;
  $("toasts").appendChild(el);
  setTimeout(() => el.remove(), alert ? 6000 : 3500);
}

$("reset").addEventListener("click", async () => {
  if (!confirm(T("reset_confirm"))) return;
  notice(T("resetting"));
  await api("/api/reset", {});
});

$("lang").addEventListener("click", () => { S.lang = S.lang === "zh" ? "en" : "zh"; localStorage.setItem("pg.lang", S.lang); applyLang(); });

// ---------------------------------------------------------------------------------------- live updates (SSE)
let renderPending = false;
function renderSoon() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; renderChats(); renderChat(); });
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("state", (ev) => {
    const st = JSON.parse(ev.data);
    S.bot = st.bot; S.personas = st.personas; S.chats = st.chats; S.votes = st.votes || {};
    S.messages = new Map(st.messages.map((m) => [key(m.chat, m.id), m]));
    S.inspector = st.inspector;
    if (!S.personas.some((p) => p.key === S.persona)) S.persona = S.personas[0].key;
    setClock(st.clock);
    notice("");
    applyLang(); renderInspector(); applyForceReply();
    document.body.dataset.ready = "1";
  });
  source.addEventListener("message", (ev) => {
    const m = JSON.parse(ev.data);
    const k = key(m.chat, m.id);
    const isNew = !S.messages.has(k);
    S.messages.set(k, m);
    if (m.poll && m.from.bot) { /* counts changed: keep who voted in sync below */ }
    if (isNew && m.chat !== S.chat && myChats().some((c) => c.id === m.chat)) S.unread.set(m.chat, (S.unread.get(m.chat) || 0) + 1);
    renderSoon();
    if (isNew && m.chat === S.chat && m.from.bot) setTimeout(applyForceReply, 0);
  });
  source.addEventListener("delete", (ev) => { const d = JSON.parse(ev.data); S.messages.delete(key(d.chat, d.id)); renderSoon(); });
  source.addEventListener("inspector", (ev) => {
    const e = JSON.parse(ev.data);
    S.inspector.push(e);
    if (S.inspector.length > 400) S.inspector.shift();
    if (e.kind === "update" && e.body.poll_answer) {
      const a = e.body.poll_answer;
      (S.votes[a.poll_id] = S.votes[a.poll_id] || []).push(a.user.id);
    }
    inspectorSoon();
  });
  source.addEventListener("toast", (ev) => {
    const t = JSON.parse(ev.data);
    const p = me();
    if (!t.persona || (p && t.persona === p.id)) toast(t.text, t.alert);
  });
  source.addEventListener("clock", (ev) => setClock(JSON.parse(ev.data)));
  source.addEventListener("commands", () => { if (!$("menu").hidden) { hideMenu(); toggleMenu(); } });
  source.addEventListener("reset", () => { S.messages.clear(); S.inspector = []; S.votes = {}; renderSoon(); });
  source.onerror = () => { notice(T("disconnected")); };
  source.onopen = () => { if ($("notice").textContent === T("disconnected")) notice(""); };
}

connect();
