// A tiny SMTP listener for the tests (node:net, no dependencies): both servers under test send
// their mail here over plain SMTP. It accepts everything, stores each message as
// `{ from, to[], raw, receivedAt }`, and can decode a message far enough to read its links
// (quoted-printable / base64 / 7bit parts, multipart/* trees, RFC 2047 subjects).
import net from "node:net";

const HOSTNAME = "interop-smtp.test";
const MAX_LINE = 64 * 1024;
const MAX_MESSAGE = 10 * 1024 * 1024;

/** `<a@b.c>` / `a@b.c` (plus ESMTP parameters) → `a@b.c` ("" for the null sender `<>`). */
function pathArgument(rest) {
  const m = /^\s*<([^>]*)>/.exec(rest) ?? /^\s*(\S+)/.exec(rest);
  return m ? m[1] : undefined;
}

/** Removes SMTP dot-stuffing: a line that starts with ".." loses its first dot (RFC 5321 §4.5.2). */
function unDotStuff(data) {
  return data
    .split("\r\n")
    .map((line) => (line.startsWith(".") ? line.slice(1) : line))
    .join("\r\n");
}

/**
 * Starts a listener on 127.0.0.1 (random free port unless `port` is given).
 * Resolves to `{ port, url, messages, received(), waitFor(count, opts), close() }`.
 */
export function startSmtpListener({ host = "127.0.0.1", port = 0, log } = {}) {
  const messages = [];
  const waiters = new Set();
  const sockets = new Set();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setEncoding("latin1"); // bytes as-is; the message is decoded as UTF-8 once complete
    const reply = (line) => {
      log?.(`S: ${line.split("\r\n")[0]}`);
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let buffer = "";
    let mode = "command"; // or "data"
    let tx = { from: undefined, to: [] };
    let greeted = false;

    const command = (line) => {
      log?.(`C: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`);
      const verb = (/^\S+/.exec(line)?.[0] ?? "").toUpperCase();
      const rest = line.slice(verb.length);
      switch (verb) {
        case "EHLO":
          greeted = true;
          tx = { from: undefined, to: [] };
          reply(`250-${HOSTNAME} greets${rest}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE ${MAX_MESSAGE}`);
          return;
        case "HELO":
          greeted = true;
          tx = { from: undefined, to: [] };
          reply(`250 ${HOSTNAME}`);
          return;
        case "MAIL": {
          const m = /^\s*FROM:(.*)$/i.exec(rest);
          const from = m && pathArgument(m[1]);
          if (from === undefined) return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
          if (!greeted) return reply("503 5.5.1 Send EHLO/HELO first");
          if (tx.from !== undefined) return reply("503 5.5.1 Sender already given");
          tx = { from, to: [] };
          return reply("250 2.1.0 OK");
        }
        case "RCPT": {
          const m = /^\s*TO:(.*)$/i.exec(rest);
          const to = m && pathArgument(m[1]);
          if (!to) return reply("501 5.5.4 Syntax: RCPT TO:<address>");
          if (tx.from === undefined) return reply("503 5.5.1 Need MAIL before RCPT");
          tx.to.push(to);
          return reply("250 2.1.5 OK");
        }
        case "DATA":
          if (rest.trim()) return reply("501 5.5.4 No parameters allowed");
          if (!tx.to.length) return reply("503 5.5.1 Need RCPT before DATA");
          mode = "data";
          return reply("354 End data with <CR><LF>.<CR><LF>");
        case "RSET":
          tx = { from: undefined, to: [] };
          return reply("250 2.0.0 OK");
        case "NOOP":
          return reply("250 2.0.0 OK");
        case "VRFY":
          return reply("252 2.1.5 Cannot VRFY user");
        case "QUIT":
          reply(`221 2.0.0 ${HOSTNAME} closing connection`);
          socket.end();
          return;
        default:
          return reply("502 5.5.2 Command not recognized");
      }
    };

    const finishData = (data) => {
      const raw = Buffer.from(unDotStuff(data), "latin1").toString("utf8");
      const message = { from: tx.from, to: [...tx.to], raw, receivedAt: new Date().toISOString() };
      messages.push(message);
      log?.(`message ${messages.length}: ${message.from} → ${message.to.join(", ")} (${raw.length} chars)`);
      tx = { from: undefined, to: [] };
      mode = "command";
      reply(`250 2.0.0 OK queued as m${messages.length}`);
      notify();
    };

    socket.on("data", (chunk) => {
      buffer += chunk;
      for (;;) {
        if (mode === "data") {
          // The terminator is a line holding a lone dot; the data may also be empty (".\r\n" first).
          let end;
          let skip;
          if (buffer.startsWith(".\r\n")) {
            end = 0;
            skip = 3;
          } else {
            const i = buffer.indexOf("\r\n.\r\n");
            if (i >= 0) {
              end = i;
              skip = 5;
            }
          }
          if (end === undefined) {
            if (buffer.length > MAX_MESSAGE) {
              reply("552 5.3.4 Message too big");
              socket.destroy();
            }
            return;
          }
          const data = buffer.slice(0, end);
          buffer = buffer.slice(end + skip);
          finishData(data);
          continue;
        }
        const nl = buffer.indexOf("\n");
        if (nl < 0) {
          if (buffer.length > MAX_LINE) {
            reply("500 5.5.6 Line too long");
            socket.destroy();
          }
          return;
        }
        const line = Buffer.from(buffer.slice(0, nl).replace(/\r$/, ""), "latin1").toString("utf8");
        buffer = buffer.slice(nl + 1);
        command(line);
      }
    });
    reply(`220 ${HOSTNAME} ESMTP interop test listener`);
  });

  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        host,
        port: actual,
        url: `smtp://${host}:${actual}`,
        messages,
        /** Every message received so far (a copy of the list). */
        received() {
          return [...messages];
        },
        /**
         * Resolves once at least `count` messages matching `filter` have arrived (bounded poll:
         * rejects after `timeoutMs`); resolves to the matching messages.
         */
        waitFor(count, { filter = () => true, timeoutMs = 5000 } = {}) {
          const matching = () => messages.filter(filter);
          if (matching().length >= count) return Promise.resolve(matching());
          return new Promise((res, rej) => {
            const check = () => {
              if (matching().length >= count) {
                clearTimeout(timer);
                waiters.delete(check);
                res(matching());
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`SMTP listener: ${matching().length} of ${count} expected message(s) after ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.add(check);
          });
        },
        close() {
          for (const s of sockets) s.destroy();
          return new Promise((res) => server.close(() => res()));
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Decoding (enough to read links): headers, multipart trees, transfer encodings, charsets.
// ---------------------------------------------------------------------------------------------

/** Splits a header block into `[name(lowercase), value]` pairs with folded lines unfolded. */
function parseHeaders(block) {
  const out = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1][1] += ` ${line.trim()}`;
    else {
      const i = line.indexOf(":");
      if (i > 0) out.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
    }
  }
  return out;
}

/** `type/subtype; a=b; c="d"` → `{ type: "type/subtype", params: { a, c } }`. */
function parseContentType(value) {
  const [type, ...rest] = (value ?? "text/plain").split(";");
  const params = {};
  for (const p of rest) {
    const i = p.indexOf("=");
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    params[p.slice(0, i).trim().toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Quoted-printable text (whose characters stand for bytes) → bytes. */
export function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes, charset = "utf-8") {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function decodeBody(body, encoding, charset) {
  const enc = (encoding ?? "7bit").trim().toLowerCase();
  let bytes;
  if (enc === "quoted-printable") bytes = decodeQuotedPrintable(body);
  else if (enc === "base64") bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  else bytes = Buffer.from(body, "utf8");
  return decodeCharset(bytes, charset);
}

/** RFC 2047 encoded words (`=?utf-8?Q?..?=`, `=?utf-8?B?..?=`) → text. */
export function decodeEncodedWords(value) {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset, kind, text) => {
      const bytes = kind.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text.replace(/_/g, " "));
      return decodeCharset(bytes, charset);
    });
}

/** One MIME entity → list of leaf parts `{ type, charset, text }` (multipart/* descended). */
function leaves(entity) {
  const sep = /\r?\n\r?\n/.exec(entity);
  const headerBlock = sep ? entity.slice(0, sep.index) : entity;
  const body = sep ? entity.slice(sep.index + sep[0].length) : "";
  const headers = parseHeaders(headerBlock);
  const get = (name) => headers.find(([k]) => k === name)?.[1];
  const { type, params } = parseContentType(get("content-type"));
  if (type.startsWith("multipart/") && params.boundary) {
    const delimiter = `--${params.boundary}`;
    const parts = [];
    let current;
    for (const line of body.split(/\r?\n/)) {
      if (line === `${delimiter}--` || line.trimEnd() === `${delimiter}--`) {
        if (current) parts.push(current.join("\r\n"));
        current = undefined;
        break;
      }
      if (line === delimiter || line.trimEnd() === delimiter) {
        if (current) parts.push(current.join("\r\n"));
        current = [];
      } else if (current) current.push(line);
    }
    if (current) parts.push(current.join("\r\n"));
    return parts.flatMap(leaves);
  }
  return [{ type, charset: params.charset, text: decodeBody(body, get("content-transfer-encoding"), params.charset) }];
}

function unescapeHtml(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const URL_RE = /https?:\/\/[^\s<>"']+/g;
const trimUrl = (u) => u.replace(/[.,;:!?)\]]+$/, "");

/** http(s) links in a plain-text body. */
export function linksInText(text) {
  return [...text.matchAll(URL_RE)].map((m) => trimUrl(m[0]));
}

/** http(s) links in an HTML body: href values and bare URLs in the text, entities decoded. */
export function linksInHtml(html) {
  const hrefs = [...html.matchAll(/\bhref\s*=\s*("([^"]*)"|'([^']*)')/gi)].map((m) => unescapeHtml(m[2] ?? m[3]));
  const bare = [...html.replace(/<[^>]*>/g, " ").matchAll(/https?:\/\/[^\s<>"']+/g)].map((m) => trimUrl(unescapeHtml(m[0])));
  return [...hrefs.filter((h) => /^https?:\/\//i.test(h)), ...bare];
}

/**
 * Decodes a raw message: `{ headers, subject, to (header), text, html, parts, links }`;
 * `links` = unique http(s) links of the text/plain and text/html parts, in order of appearance.
 */
export function parseMessage(raw) {
  const sep = /\r?\n\r?\n/.exec(raw);
  const headers = parseHeaders(sep ? raw.slice(0, sep.index) : raw);
  const get = (name) => headers.find(([k]) => k === name)?.[1];
  const parts = leaves(raw);
  const textParts = parts.filter((p) => p.type === "text/plain");
  const htmlParts = parts.filter((p) => p.type === "text/html");
  const links = [...new Set([...textParts.flatMap((p) => linksInText(p.text)), ...htmlParts.flatMap((p) => linksInHtml(p.text))])];
  return {
    headers,
    subject: get("subject") === undefined ? undefined : decodeEncodedWords(get("subject")),
    headerFrom: get("from") && decodeEncodedWords(get("from")),
    headerTo: get("to") && decodeEncodedWords(get("to")),
    text: textParts.map((p) => p.text).join("\n"),
    html: htmlParts.map((p) => p.text).join("\n"),
    parts: parts.map((p) => p.type),
    links,
  };
}
