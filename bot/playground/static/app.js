// Samenkracht-speeltuin: a Telegram-like chat page for the local Bot API server.
//
// It speaks the server's driver API (same origin, JSON):
//   GET  /driver/bots, GET /driver/personas
//   POST /driver/send, POST /driver/press
//   GET  /driver/chats/{chat_id}/messages?wait=&since_version=   (long poll)
//   GET  /driver/chats/{chat_id}/callback-answers
//   GET  /driver/files/{file_id}
//
// Safety: every piece of message text reaches the DOM through textContent or
// createTextNode. innerHTML is never used: member texts may contain HTML.
"use strict";

(function () {
  const POLL_WAIT_SECONDS = 25;
  const BACKOFF_START_MS = 1000;
  const BACKOFF_MAX_MS = 15000;
  const TOAST_MS = 3500;
  const SAFE_LINK_SCHEMES = ["http:", "https:", "mailto:", "tel:", "tg:"];

  const KIND_LABELS = {
    photo: "Foto",
    voice: "Spraakbericht",
    sticker: "Sticker",
    document: "Document",
    video: "Video",
    location: "Locatie",
    contact: "Contact",
  };

  const state = {
    bot: null, // {id, username, first_name}
    personas: [],
    current: null, // the open chat (see newChat)
    chats: new Map(), // chat_id -> chat
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    app: $("app"),
    personaList: $("persona-list"),
    placeholder: $("chat-placeholder"),
    inner: $("chat-inner"),
    back: $("back-button"),
    avatar: $("chat-avatar"),
    title: $("chat-title"),
    subtitle: $("chat-subtitle"),
    status: $("chat-status"),
    scroller: $("messages"),
    list: $("message-list"),
    empty: $("messages-empty"),
    replyKeyboard: $("reply-keyboard"),
    startBar: $("start-bar"),
    startButton: $("start-button"),
    composer: $("composer"),
    input: $("composer-input"),
    send: $("send-button"),
    attachButton: $("attach-button"),
    attachMenu: $("attach-menu"),
    toasts: $("toasts"),
    alertDialog: $("alert-dialog"),
    alertText: $("alert-text"),
  };

  // ---------------------------------------------------------------- helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      if (signal) {
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      }
    });
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const response = await fetch(path, opts);
    if (!response.ok) {
      let detail = "";
      try {
        const body = await response.json();
        detail = body && (body.description || body.error || body.message) || "";
      } catch (_) {
        /* not JSON */
      }
      const error = new Error(detail || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function formatTime(unixSeconds) {
    const d = new Date(unixSeconds * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  }

  const dayFormat = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "long", year: "numeric" });

  function dayKey(unixSeconds) {
    const d = new Date(unixSeconds * 1000);
    return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  }

  function formatDay(unixSeconds) {
    const d = new Date(unixSeconds * 1000);
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(unixSeconds) === dayKey(today.getTime() / 1000)) return "Vandaag";
    if (dayKey(unixSeconds) === dayKey(yesterday.getTime() / 1000)) return "Gisteren";
    return dayFormat.format(d);
  }

  function formatSize(bytes) {
    if (typeof bytes !== "number") return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(".", ",")} kB`;
    return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} MB`;
  }

  function formatDuration(seconds) {
    const s = Math.max(0, Math.round(seconds || 0));
    return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
  }

  function initial(name) {
    const chars = Array.from((name || "?").trim());
    return (chars[0] || "?").toUpperCase();
  }

  /** Return an absolute URL when it uses a harmless scheme, else null. */
  function safeUrl(raw, defaultScheme) {
    if (typeof raw !== "string" || !raw) return null;
    let candidate = raw.trim();
    if (defaultScheme && !/^[a-z][a-z0-9+.-]*:/i.test(candidate)) candidate = defaultScheme + candidate;
    try {
      const url = new URL(candidate);
      return SAFE_LINK_SCHEMES.includes(url.protocol) ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /** Query string naming the bot, needed once the server knows several bots. */
  function botQuery() {
    return state.bot ? `bot=${encodeURIComponent(state.bot.id)}` : "";
  }

  function chatPath(chat, tail) {
    const query = botQuery();
    const joiner = tail.includes("?") ? "&" : "?";
    return `/driver/chats/${encodeURIComponent(chat.id)}/${tail}${query ? joiner + query : ""}`;
  }

  function fileUrl(fileId) {
    return `/driver/files/${encodeURIComponent(fileId)}`;
  }

  // Icons as inline SVG paths: no emoji font or icon font needed.
  const ICONS = {
    lock: "M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3z",
    muted: "M4.3 3 3 4.3l3.3 3.3A6.8 6.8 0 0 0 6 10v5l-2 2v1h13.7l2 2 1.3-1.3zM18 10a6 6 0 0 0-4.5-5.8V3.5a1.5 1.5 0 0 0-3 0v.7a6 6 0 0 0-1.7.8L18 14.2zM12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2z",
    file: "M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5z",
    mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z",
    image: "M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2zM8.5 12.5l2.5 3 3.5-4.5 4.5 6H5z",
    pin: "M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z",
    person: "M12 12a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm0 2c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z",
    video: "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z",
    music: "M12 3v10.6A4 4 0 1 0 14 17V7h4V3z",
  };

  function icon(name, className) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", `icon${className ? ` ${className}` : ""}`);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function mediaIcon(name) {
    const wrap = el("span", "media__icon");
    wrap.appendChild(icon(name));
    return wrap;
  }

  // ------------------------------------------------------------------ toasts

  function toast(text, kind) {
    const node = el("div", `toast${kind ? ` toast--${kind}` : ""}`, text);
    ui.toasts.appendChild(node);
    setTimeout(() => {
      node.classList.add("toast--leaving");
      setTimeout(() => node.remove(), 300);
    }, TOAST_MS);
  }

  function showAlert(text) {
    ui.alertText.textContent = text;
    if (typeof ui.alertDialog.showModal === "function") {
      if (!ui.alertDialog.open) ui.alertDialog.showModal();
      $("alert-ok").focus();
    } else {
      toast(text);
    }
  }

  // ------------------------------------------------------- entity rendering

  /** Build DOM nodes for text with Bot API entities (offsets in UTF-16 units). */
  function renderEntities(text, entities) {
    const fragment = document.createDocumentFragment();
    if (!text) return fragment;
    const list = (Array.isArray(entities) ? entities : [])
      .filter((e) => e && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
      .map((e) => Object.assign({}, e, { end: e.offset + e.length }))
      .filter((e) => e.offset >= 0 && e.offset < text.length)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    renderRange(fragment, text, 0, text.length, list);
    return fragment;
  }

  // JavaScript strings are UTF-16, so Telegram's offsets index them directly.
  function renderRange(parent, text, start, end, entities) {
    let pos = start;
    let i = 0;
    while (i < entities.length) {
      const entity = entities[i];
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.end, end);
      if (from >= to) {
        i += 1; // empty after clipping (overlapping, malformed): drop it
        continue;
      }
      let j = i + 1;
      const children = [];
      while (j < entities.length && entities[j].offset < to) {
        children.push(entities[j]);
        j += 1;
      }
      if (from > pos) parent.appendChild(document.createTextNode(text.slice(pos, from)));
      const { outer, inner } = entityElement(entity, text.slice(from, to));
      renderRange(inner, text, from, to, children);
      parent.appendChild(outer);
      pos = to;
      i = j;
    }
    if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
  }

  function entityElement(entity, segment) {
    const same = (node) => ({ outer: node, inner: node });
    switch (entity.type) {
      case "bold":
        return same(el("b"));
      case "italic":
        return same(el("i"));
      case "underline":
        return same(el("u"));
      case "strikethrough":
        return same(el("s"));
      case "spoiler":
        return same(spoilerElement());
      case "code":
        return same(el("code", "code-inline"));
      case "pre": {
        const pre = el("pre", "code-block");
        const code = el("code");
        if (entity.language) {
          pre.dataset.language = entity.language;
          code.className = `language-${String(entity.language).replace(/[^\w+#.-]/g, "")}`;
          pre.appendChild(el("span", "code-block__language", entity.language));
        }
        pre.appendChild(code);
        return { outer: pre, inner: code };
      }
      case "text_link":
        return same(linkElement(safeUrl(entity.url)));
      case "url":
        return same(linkElement(safeUrl(segment, "https://")));
      case "email":
        return same(linkElement(safeUrl(`mailto:${segment}`)));
      case "phone_number":
        return same(linkElement(safeUrl(`tel:${segment.replace(/[^\d+]/g, "")}`)));
      case "blockquote":
        return same(el("blockquote", "quote"));
      case "expandable_blockquote":
        return same(expandableQuote());
      case "bot_command":
        return same(commandElement(segment));
      case "mention":
      case "text_mention":
      case "hashtag":
      case "cashtag":
        return same(el("span", "mention"));
      default:
        return same(el("span"));
    }
  }

  function linkElement(href) {
    if (!href) return el("span", "link-blocked");
    const a = el("a", "link");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function spoilerElement() {
    const span = el("span", "spoiler");
    span.tabIndex = 0;
    span.setAttribute("role", "button");
    span.setAttribute("aria-pressed", "false");
    span.setAttribute("aria-label", "Verborgen tekst, klik om te tonen");
    const reveal = (event) => {
      if (span.classList.contains("spoiler--revealed")) return;
      event.preventDefault();
      event.stopPropagation();
      span.classList.add("spoiler--revealed");
      span.setAttribute("aria-pressed", "true");
      span.removeAttribute("aria-label");
      span.removeAttribute("role");
      span.removeAttribute("tabindex");
    };
    span.addEventListener("click", reveal);
    span.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") reveal(event);
    });
    return span;
  }

  function expandableQuote() {
    const quote = el("blockquote", "quote quote--expandable");
    quote.tabIndex = 0;
    quote.setAttribute("aria-expanded", "false");
    const toggle = () => {
      const open = quote.classList.toggle("quote--open");
      quote.setAttribute("aria-expanded", String(open));
    };
    quote.addEventListener("click", toggle);
    quote.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle();
      }
    });
    return quote;
  }

  function commandElement(command) {
    const a = el("a", "bot-command");
    a.href = "#";
    a.title = `Stuur ${command}`;
    a.addEventListener("click", (event) => {
      event.preventDefault();
      const botSuffix = state.bot && state.bot.username ? `@${state.bot.username}` : null;
      const text = botSuffix && command.endsWith(botSuffix) ? command.slice(0, -botSuffix.length) : command;
      sendMessage("text", text);
    });
    return a;
  }

  // -------------------------------------------------------- message content

  function mediaBlock(message) {
    if (Array.isArray(message.photo) && message.photo.length) {
      const largest = message.photo.reduce((a, b) => ((b.width || 0) * (b.height || 0) >= (a.width || 0) * (a.height || 0) ? b : a));
      const figure = el("div", "media media--photo");
      const img = el("img");
      img.alt = "Foto";
      img.loading = "lazy";
      img.src = fileUrl(largest.file_id);
      const placeholder = (label) => {
        figure.replaceChildren(mediaIcon("image"), el("span", "media__label", label));
        figure.className = "media media--placeholder";
      };
      img.addEventListener("error", () => placeholder("Foto"), { once: true });
      img.addEventListener("load", () => {
        // The driver's test photo is a 1×1 pixel: show what it stands for instead.
        if (img.naturalWidth < 24 && img.naturalHeight < 24) placeholder("Foto (testafbeelding)");
      }, { once: true });
      figure.appendChild(img);
      return figure;
    }
    if (message.document) return fileBlock(message.document, "file", "Document");
    if (message.video) return fileBlock(message.video, "video", "Video");
    if (message.audio) return fileBlock(message.audio, "music", "Audio");
    if (message.animation) return fileBlock(message.animation, "video", "Animatie");
    if (message.voice) {
      const block = el("div", "media media--voice");
      block.appendChild(mediaIcon("mic"));
      block.appendChild(el("span", "media__label", `Spraakbericht (${formatDuration(message.voice.duration)})`));
      if (message.voice.file_id) {
        const link = el("a", "media__download", "Downloaden");
        link.href = fileUrl(message.voice.file_id);
        link.setAttribute("download", "");
        block.appendChild(link);
      }
      return block;
    }
    if (message.sticker) {
      const block = el("div", "media media--sticker");
      block.appendChild(el("span", "sticker__emoji", message.sticker.emoji || "🙂"));
      block.appendChild(el("span", "visually-hidden", "Sticker"));
      return block;
    }
    if (message.location) {
      const { latitude, longitude } = message.location;
      const block = el("div", "media media--location");
      block.appendChild(mediaIcon("pin"));
      const label = el("span", "media__label", "Locatie");
      block.appendChild(label);
      block.appendChild(el("span", "media__meta", `${Number(latitude).toFixed(5)}, ${Number(longitude).toFixed(5)}`));
      return block;
    }
    if (message.contact) {
      const c = message.contact;
      const block = el("div", "media media--contact");
      block.appendChild(mediaIcon("person"));
      block.appendChild(el("span", "media__label", [c.first_name, c.last_name].filter(Boolean).join(" ") || "Contact"));
      if (c.phone_number) block.appendChild(el("span", "media__meta", c.phone_number));
      return block;
    }
    return null;
  }

  function fileBlock(file, iconName, fallbackName) {
    const block = el("div", "media media--file");
    block.appendChild(mediaIcon(iconName));
    const info = el("span", "media__info");
    const name = file.file_name || fallbackName;
    if (file.file_id) {
      const link = el("a", "media__name", name);
      link.href = fileUrl(file.file_id);
      link.setAttribute("download", file.file_name || "");
      link.title = `Download ${name}`;
      info.appendChild(link);
    } else {
      info.appendChild(el("span", "media__name", name));
    }
    const size = formatSize(file.file_size);
    if (size) {
      const meta = el("span", "media__meta", size);
      if (file.mime_type) meta.title = file.mime_type;
      info.appendChild(meta);
    }
    block.appendChild(info);
    return block;
  }

  function inlineKeyboard(message) {
    const markup = message.reply_markup;
    if (!markup || !Array.isArray(markup.inline_keyboard) || !markup.inline_keyboard.length) return null;
    const keyboard = el("div", "inline-kb");
    keyboard.setAttribute("role", "group");
    keyboard.setAttribute("aria-label", "Knoppen bij dit bericht");
    for (const row of markup.inline_keyboard) {
      if (!Array.isArray(row) || !row.length) continue;
      const rowNode = el("div", "inline-kb__row");
      for (const button of row) {
        rowNode.appendChild(inlineButton(message, button || {}));
      }
      keyboard.appendChild(rowNode);
    }
    return keyboard;
  }

  function inlineButton(message, button) {
    const label = button.text || "";
    if (typeof button.url === "string") {
      const href = safeUrl(button.url);
      const node = el(href ? "a" : "span", "inline-kb__button inline-kb__button--url");
      node.appendChild(el("span", "inline-kb__text", label));
      node.appendChild(el("span", "inline-kb__corner", "↗"));
      if (href) {
        node.href = href;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
        node.title = href;
      }
      return node;
    }
    const node = el("button", "inline-kb__button");
    node.type = "button";
    node.appendChild(el("span", "inline-kb__text", label));
    if (typeof button.callback_data === "string") {
      node.addEventListener("click", () => pressButton(message, button.callback_data, node));
    } else {
      node.disabled = true;
      node.title = "Dit soort knop kan de speeltuin niet nadoen";
    }
    return node;
  }

  function messageNode(message) {
    const outgoing = !message.from_bot;
    const node = el("div", `msg ${outgoing ? "msg--out" : "msg--in"}`);
    node.dataset.messageId = String(message.message_id);
    if (message.protect_content) node.classList.add("msg--protected");

    const bubble = el("div", "bubble");
    bubble.appendChild(el("span", "visually-hidden", outgoing ? "Jij: " : `${botName()}: `));

    const media = mediaBlock(message);
    if (media) {
      bubble.appendChild(media);
      if (message.sticker) node.classList.add("msg--sticker");
    }
    const text = typeof message.text === "string" ? message.text : message.caption;
    const entities = typeof message.text === "string" ? message.entities : message.caption_entities;
    if (typeof text === "string" && text.length) {
      const body = el("div", "bubble__text");
      body.appendChild(renderEntities(text, entities));
      bubble.appendChild(body);
    } else if (!media) {
      bubble.appendChild(el("div", "bubble__text bubble__text--unknown", "(een soort bericht dat de speeltuin nog niet kan tonen)"));
    }

    const meta = el("span", "meta");
    if (message.protect_content) {
      const lock = el("span", "meta__hint");
      lock.appendChild(icon("lock"));
      lock.appendChild(el("span", "visually-hidden", "beschermd"));
      lock.title = "Beschermd bericht: doorsturen en kopiëren staan uit";
      meta.appendChild(lock);
    }
    if (message.disable_notification) {
      const bell = el("span", "meta__hint");
      bell.appendChild(icon("muted"));
      bell.appendChild(el("span", "visually-hidden", "stil verstuurd"));
      bell.title = "Stil verstuurd: zonder meldingsgeluid";
      meta.appendChild(bell);
    }
    if (message.edit_date) {
      const edited = el("span", "meta__edited", "bewerkt");
      edited.title = `Bewerkt om ${formatTime(message.edit_date)}`;
      meta.appendChild(edited);
    }
    const time = el("time", "meta__time", formatTime(message.date));
    time.dateTime = new Date(message.date * 1000).toISOString();
    meta.appendChild(time);
    if (outgoing) meta.appendChild(el("span", "meta__ticks", "✓✓"));
    bubble.appendChild(meta);
    node.appendChild(bubble);

    const keyboard = inlineKeyboard(message);
    if (keyboard) node.appendChild(keyboard);
    return node;
  }

  function botName() {
    return (state.bot && state.bot.first_name) || "Bot";
  }

  // ------------------------------------------------------------ chat state

  function newChat(persona) {
    return {
      persona,
      id: persona.user_id,
      messages: new Map(), // message_id -> message
      signatures: new Map(), // message_id -> JSON of the rendered message
      version: null,
      loaded: false,
      controller: null,
      seenAnswers: null,
      countsAnswers: false,
      fetchingAnswers: false,
      answerWaiters: [],
      rendered: new Map(), // message_id -> DOM node (only while open)
    };
  }

  function sortedMessages(chat) {
    return Array.from(chat.messages.values()).sort((a, b) => a.message_id - b.message_id);
  }

  /** Apply a driver answer. Returns true when the chat needs a full re-fetch to be sure. */
  function applyMessages(chat, data, requestedFull) {
    const incoming = Array.isArray(data && data.messages) ? data.messages.filter((m) => m && Number.isInteger(m.message_id)) : [];
    const version = data && data.version !== undefined ? data.version : null;
    const unchanged = version !== null && version === chat.version;
    let needsResync = false;

    if (requestedFull || chat.messages.size === 0) {
      replaceAll(chat, incoming);
    } else if (unchanged && incoming.length === 0) {
      // long poll timed out without a change
    } else {
      const knownMin = Math.min(...chat.messages.keys());
      const looksComplete = incoming.length > 0 && incoming.some((m) => m.message_id <= knownMin);
      if (looksComplete) {
        replaceAll(chat, incoming);
      } else {
        // Only the changes came back (or the oldest message was deleted): merge now,
        // then fetch the full list once so deletions are not missed.
        for (const m of incoming) chat.messages.set(m.message_id, m);
        needsResync = !unchanged;
      }
    }
    if (version !== null) chat.version = version;
    chat.loaded = true;
    return needsResync;
  }

  function replaceAll(chat, incoming) {
    chat.messages = new Map(incoming.map((m) => [m.message_id, m]));
  }

  function mergeOne(chat, message) {
    if (message && Number.isInteger(message.message_id)) chat.messages.set(message.message_id, message);
  }

  // ---------------------------------------------------------------- polling

  async function pollChat(chat) {
    const signal = chat.controller.signal;
    let backoff = BACKOFF_START_MS;
    let full = true; // first request: the whole chat, no waiting
    while (!signal.aborted) {
      try {
        const params = new URLSearchParams();
        if (full || chat.version === null) {
          params.set("wait", "0");
        } else {
          params.set("wait", String(POLL_WAIT_SECONDS));
          params.set("since_version", String(chat.version));
        }
        const data = await api(chatPath(chat, `messages?${params}`), { signal });
        if (signal.aborted) return;
        const requestedFull = full;
        full = applyMessages(chat, data, requestedFull);
        if (state.current === chat) renderChat(chat);
        updatePreview(chat);
        if (data && Number.isInteger(data.callback_answer_count)) {
          chat.countsAnswers = true;
          if (chat.seenAnswers !== null && data.callback_answer_count > chat.seenAnswers) showNewAnswers(chat);
        }
        setStatus("");
        backoff = BACKOFF_START_MS;
        if (!requestedFull && chat.version === null) await sleep(1000, signal); // no versions: plain polling
      } catch (error) {
        if (signal.aborted) return;
        setStatus(`Geen verbinding met de speeltuin. Opnieuw proberen over ${Math.round(backoff / 1000)} s…`);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        full = true; // after an error, start again from the complete state
      }
    }
  }

  function setStatus(text) {
    if (ui.status.textContent !== text) ui.status.textContent = text;
  }

  // -------------------------------------------------------------- rendering

  function renderChat(chat) {
    const scroller = ui.scroller;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    const firstRender = chat.rendered.size === 0;
    const messages = sortedMessages(chat);
    const keep = new Set();
    let previous = null;
    let lastDay = null;
    let added = false;

    for (const message of messages) {
      const id = message.message_id;
      keep.add(`m${id}`);
      const day = dayKey(message.date);
      if (day !== lastDay) {
        lastDay = day;
        const sepKey = `d${day}`;
        keep.add(sepKey);
        let sep = chat.rendered.get(sepKey);
        if (!sep) {
          sep = el("div", "day-separator");
          sep.appendChild(el("span", "day-separator__label", formatDay(message.date)));
          chat.rendered.set(sepKey, sep);
        }
        previous = place(sep, previous);
      }
      const signature = JSON.stringify(message);
      let node = chat.rendered.get(`m${id}`);
      if (!node || chat.signatures.get(id) !== signature) {
        const fresh = messageNode(message);
        if (node) node.replaceWith(fresh);
        else if (!message.from_bot) added = true; // your own message: follow it
        node = fresh;
        chat.rendered.set(`m${id}`, node);
        chat.signatures.set(id, signature);
      }
      previous = place(node, previous);
    }
    for (const [key, node] of chat.rendered) {
      if (!keep.has(key)) {
        node.remove();
        chat.rendered.delete(key);
        if (key.startsWith("m")) chat.signatures.delete(Number(key.slice(1)));
      }
    }

    const empty = messages.length === 0;
    const startWasHidden = ui.startBar.hidden;
    const composerWasHidden = ui.composer.hidden;
    ui.empty.hidden = !(empty && chat.loaded);
    ui.startBar.hidden = !(empty && chat.loaded);
    ui.composer.hidden = !chat.loaded || empty;
    // When START and the composer swap places, take the focus along (never steal it
    // from elsewhere, except right after the chat was opened).
    const active = document.activeElement;
    const focusFree = !active || active === document.body || ui.inner.contains(active) || chat.focusOnLoad;
    if (focusFree && chat.loaded) {
      if (startWasHidden && !ui.startBar.hidden) ui.startButton.focus();
      else if (composerWasHidden && !ui.composer.hidden) ui.input.focus();
      chat.focusOnLoad = false;
    }
    renderReplyKeyboard(messages);
    if (nearBottom || added || firstRender) scroller.scrollTop = scroller.scrollHeight;
  }

  /** Put node right after previous inside the list (or first); return node. */
  function place(node, previous) {
    const expected = previous ? previous.nextSibling : ui.list.firstChild;
    if (expected !== node) ui.list.insertBefore(node, expected);
    return node;
  }

  // A reply keyboard (not inline) sits under the chat until removed or used once.
  function renderReplyKeyboard(messages) {
    let keyboard = null;
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const m = messages[i];
      if (!m.from_bot) {
        if (keyboard === null) continue;
        break;
      }
      const markup = m.reply_markup;
      if (markup && markup.remove_keyboard) break;
      if (markup && Array.isArray(markup.keyboard)) {
        const usedAfter = messages.slice(i + 1).some((later) => !later.from_bot);
        if (!(markup.one_time_keyboard && usedAfter)) keyboard = markup.keyboard;
        break;
      }
    }
    ui.replyKeyboard.replaceChildren();
    ui.replyKeyboard.hidden = !keyboard;
    if (!keyboard) return;
    for (const row of keyboard) {
      const rowNode = el("div", "reply-keyboard__row");
      for (const button of row || []) {
        const text = typeof button === "string" ? button : (button && button.text) || "";
        const node = el("button", "reply-keyboard__button", text);
        node.type = "button";
        node.addEventListener("click", () => sendMessage("text", text));
        rowNode.appendChild(node);
      }
      ui.replyKeyboard.appendChild(rowNode);
    }
  }

  // ---------------------------------------------------------- persona list

  function renderPersonas() {
    ui.personaList.replaceChildren();
    if (!state.personas.length) {
      ui.personaList.appendChild(el("li", "persona-list__empty", "Geen personen gevonden."));
      return;
    }
    for (const persona of state.personas) {
      const item = el("li");
      const button = el("button", "persona");
      button.type = "button";
      button.dataset.userId = String(persona.user_id);
      const avatar = el("span", "avatar", initial(persona.first_name));
      avatar.setAttribute("aria-hidden", "true");
      avatar.dataset.hue = String(Math.abs(Number(persona.user_id) || 0) % 7);
      const text = el("span", "persona__text");
      text.appendChild(el("span", "persona__label", persona.label || persona.first_name || `Persoon ${persona.user_id}`));
      text.appendChild(el("span", "persona__preview", ""));
      button.append(avatar, text);
      button.addEventListener("click", () => openChat(persona));
      item.appendChild(button);
      ui.personaList.appendChild(item);
    }
  }

  function updatePreview(chat) {
    const button = ui.personaList.querySelector(`.persona[data-user-id="${CSS.escape(String(chat.id))}"]`);
    if (!button) return;
    const preview = button.querySelector(".persona__preview");
    const messages = sortedMessages(chat);
    const last = messages[messages.length - 1];
    let text = "";
    if (last) {
      const body = last.text || last.caption || "";
      const firstLine = body.split("\n")[0];
      const kind = Object.keys(KIND_LABELS).find((k) => last[k]);
      text = `${last.from_bot ? "" : "Jij: "}${firstLine || (kind ? KIND_LABELS[kind] : "")}`;
    }
    preview.textContent = text;
  }

  // -------------------------------------------------------------- open chat

  function openChat(persona) {
    if (state.current && state.current.id === persona.user_id) {
      document.body.classList.add("chat-open");
      focusComposer();
      return;
    }
    closeCurrent();
    let chat = state.chats.get(persona.user_id);
    if (!chat) {
      chat = newChat(persona);
      state.chats.set(persona.user_id, chat);
    }
    state.current = chat;

    for (const button of ui.personaList.querySelectorAll(".persona")) {
      const active = button.dataset.userId === String(persona.user_id);
      button.classList.toggle("persona--active", active);
      if (active) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    ui.title.textContent = botName();
    ui.avatar.textContent = initial(botName());
    ui.subtitle.textContent = `bot · je bent ${persona.label || persona.first_name}`;
    ui.placeholder.hidden = true;
    ui.inner.hidden = false;
    document.body.classList.add("chat-open");
    ui.list.replaceChildren();
    chat.rendered = new Map();
    chat.signatures = new Map();
    ui.empty.hidden = true;
    ui.startBar.hidden = true;
    ui.composer.hidden = true;
    setStatus("");
    ui.input.value = chat.draft || "";
    autosize();
    chat.focusOnLoad = true;
    renderChat(chat);

    chat.controller = new AbortController();
    pollChat(chat);
    primeAnswers(chat);
  }

  function closeCurrent() {
    const chat = state.current;
    if (!chat) return;
    chat.draft = ui.input.value;
    if (chat.controller) chat.controller.abort();
    chat.controller = null;
    state.current = null;
    closeAttachMenu(false);
  }

  function focusComposer() {
    requestAnimationFrame(() => {
      if (!ui.startBar.hidden) ui.startButton.focus();
      else if (!ui.composer.hidden) ui.input.focus();
    });
  }

  // ---------------------------------------------------------------- sending

  async function sendMessage(kind, text) {
    const chat = state.current;
    if (!chat) return false;
    const persona = chat.persona;
    const body = { user_id: persona.user_id, kind };
    if (state.bot) body.bot = state.bot.id;
    if (persona.first_name) body.first_name = persona.first_name;
    if (persona.language_code) body.language_code = persona.language_code;
    if (typeof text === "string" && text.length) {
      body.text = text;
      if (kind !== "text") body.caption = text; // media carry their text as a caption
    }
    try {
      const result = await api("/driver/send", { json: body });
      if (result && result.message) mergeOne(chat, result.message);
      if (state.current === chat) renderChat(chat);
      updatePreview(chat);
      return true;
    } catch (error) {
      toast(`Versturen lukte niet: ${error.message}`, "error");
      return false;
    }
  }

  async function submitComposer() {
    const text = ui.input.value;
    if (!text.trim()) {
      ui.input.focus();
      return;
    }
    ui.send.disabled = true;
    ui.input.value = "";
    autosize();
    const ok = await sendMessage("text", text);
    if (!ok && !ui.input.value) {
      ui.input.value = text; // give the text back so nothing is lost
      autosize();
    }
    ui.send.disabled = false;
    ui.input.focus();
  }

  async function sendStart() {
    const chat = state.current;
    if (!chat) return;
    const payload = chat.persona.start_payload;
    ui.startButton.disabled = true;
    const ok = await sendMessage("text", payload ? `/start ${payload}` : "/start");
    ui.startButton.disabled = false;
    if (ok) {
      ui.startBar.hidden = true;
      ui.composer.hidden = false;
      ui.input.focus();
    }
  }

  async function sendKind(kind) {
    closeAttachMenu(true);
    const caption = ui.input.value;
    const useCaption = !["sticker", "location", "contact"].includes(kind) && caption.trim();
    const ok = await sendMessage(kind, useCaption ? caption : undefined);
    if (ok && useCaption) {
      ui.input.value = "";
      autosize();
    }
  }

  // ----------------------------------------------------------- button press

  async function pressButton(message, data, node) {
    const chat = state.current;
    if (!chat || node.classList.contains("inline-kb__button--pending")) return;
    node.classList.add("inline-kb__button--pending");
    node.setAttribute("aria-busy", "true");
    try {
      const body = { user_id: chat.persona.user_id, message_id: message.message_id, data };
      if (state.bot) body.bot = state.bot.id;
      const answered = expectAnswer(chat);
      await api("/driver/press", { json: body });
      await answered;
    } catch (error) {
      toast(`Knop indrukken lukte niet: ${error.message}`, "error");
    } finally {
      node.classList.remove("inline-kb__button--pending");
      node.removeAttribute("aria-busy");
    }
  }

  async function fetchAnswers(chat) {
    const answers = await api(chatPath(chat, "callback-answers"));
    return Array.isArray(answers) ? answers : [];
  }

  async function primeAnswers(chat) {
    if (chat.seenAnswers !== null) return;
    try {
      chat.seenAnswers = (await fetchAnswers(chat)).length;
    } catch (_) {
      chat.seenAnswers = 0;
    }
  }

  /** Show the toasts (or alerts) the bot gave since we last looked; true when any came. */
  async function showNewAnswers(chat) {
    if (chat.fetchingAnswers) return false;
    chat.fetchingAnswers = true;
    try {
      const answers = await fetchAnswers(chat);
      if (chat.seenAnswers === null || answers.length <= chat.seenAnswers) return false;
      const fresh = answers.slice(chat.seenAnswers);
      chat.seenAnswers = answers.length;
      for (const answer of fresh) {
        const text = answer && typeof answer.text === "string" ? answer.text : "";
        if (!text) continue;
        if (answer.show_alert) showAlert(text);
        else toast(text);
      }
      for (const resolve of chat.answerWaiters.splice(0)) resolve();
      return true;
    } catch (_) {
      return false;
    } finally {
      chat.fetchingAnswers = false;
    }
  }

  /** Before a press: a promise that settles once the bot answered (or after a few seconds). */
  function expectAnswer(chat) {
    const answered = new Promise((resolve) => chat.answerWaiters.push(resolve));
    return watchAnswers(chat, answered);
  }

  async function watchAnswers(chat, answered) {
    if (chat.seenAnswers === null) await primeAnswers(chat);
    const giveUp = sleep(8000);
    if (chat.countsAnswers && chat.controller) {
      // The long poll reports callback_answer_count and shows the toast itself.
      await Promise.race([answered, giveUp]);
      return;
    }
    // Older servers: look a few times.
    for (const delay of [150, 300, 600, 1000, 1500, 2500]) {
      await sleep(delay);
      if (await showNewAnswers(chat)) return;
    }
  }

  // ----------------------------------------------------------- attach menu

  function menuItems() {
    return Array.from(ui.attachMenu.querySelectorAll('[role="menuitem"]'));
  }

  function openAttachMenu() {
    ui.attachMenu.hidden = false;
    ui.attachButton.setAttribute("aria-expanded", "true");
    menuItems()[0].focus();
  }

  function closeAttachMenu(returnFocus) {
    if (ui.attachMenu.hidden) return;
    ui.attachMenu.hidden = true;
    ui.attachButton.setAttribute("aria-expanded", "false");
    if (returnFocus) ui.attachButton.focus();
  }

  // --------------------------------------------------------------- composer

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
  }

  function wire() {
    ui.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      submitComposer();
    });
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitComposer();
      }
    });
    ui.input.addEventListener("input", autosize);
    ui.startButton.addEventListener("click", sendStart);

    ui.attachButton.addEventListener("click", () => {
      if (ui.attachMenu.hidden) openAttachMenu();
      else closeAttachMenu(true);
    });
    ui.attachMenu.addEventListener("click", (event) => {
      const item = event.target.closest("[data-kind]");
      if (item) sendKind(item.dataset.kind);
    });
    ui.attachMenu.addEventListener("keydown", (event) => {
      const items = menuItems();
      const index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown") {
        event.preventDefault();
        items[(index + 1) % items.length].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        items[(index - 1 + items.length) % items.length].focus();
      } else if (event.key === "Home") {
        event.preventDefault();
        items[0].focus();
      } else if (event.key === "End") {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (event.key === "Escape" || event.key === "Tab") {
        if (event.key === "Escape") event.preventDefault();
        closeAttachMenu(event.key === "Escape");
      }
    });
    document.addEventListener("click", (event) => {
      if (!ui.attachMenu.hidden && !event.target.closest(".attach")) closeAttachMenu(false);
    });

    ui.back.addEventListener("click", () => {
      document.body.classList.remove("chat-open");
      const active = ui.personaList.querySelector(".persona--active");
      if (active) active.focus();
    });
  }

  // ------------------------------------------------------------------ clock

  const clockFormat = new Intl.DateTimeFormat("nl-NL", {
    timeZone: "Europe/Amsterdam",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

  function showClock(clock) {
    const section = $("clock");
    if (!section || !clock || !clock.movable) return;
    section.hidden = false;
    $("clock-now").textContent = `Nu: ${clockFormat.format(new Date(clock.now))}`;
  }

  async function moveClock(button) {
    const [unit, amount] = (button.dataset.advance || "").split(":");
    button.disabled = true;
    try {
      showClock(await api("/driver/clock", { json: { [unit]: Number(amount) } }));
      toast(`De klok staat ${button.textContent} verder.`);
    } catch (error) {
      toast(`De klok kon niet verder: ${error.message}`, "error");
    } finally {
      button.disabled = false;
    }
  }

  function wireClock() {
    for (const button of document.querySelectorAll(".clock__button")) {
      button.addEventListener("click", () => moveClock(button));
    }
    api("/driver/clock").then(showClock, () => {});
  }

  // ------------------------------------------------------------------ start

  async function boot() {
    wire();
    let backoff = BACKOFF_START_MS;
    for (;;) {
      try {
        const [bots, personas] = await Promise.all([api("/driver/bots"), api("/driver/personas")]);
        state.bot = Array.isArray(bots) && bots.length ? bots[0] : null;
        state.personas = Array.isArray(personas) ? personas : [];
        break;
      } catch (error) {
        const loading = $("persona-loading");
        if (loading) loading.textContent = `De speeltuin antwoordt nog niet. Opnieuw proberen over ${Math.round(backoff / 1000)} s…`;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
    document.title = `${botName()} · Samenkracht-speeltuin`;
    renderPersonas();
    wireClock();
  }

  boot();
})();
