// A minimal SMTP client (node:net, plain SMTP, no AUTH/STARTTLS) for the Node oracle, so that it
// delivers its mail to an SMTP server like better-auth-actix does: EHLO (HELO fallback), MAIL FROM,
// RCPT TO, DATA, QUIT. The message is multipart/alternative: text/plain as quoted-printable and
// text/html as base64 (both transfer encodings are exercised on the receiving side).
import { randomBytes } from "node:crypto";
import net from "node:net";
import os from "node:os";

/** `Name <a@b.c>` or `a@b.c` → `{ name, address }`. */
export function parseMailbox(value) {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(value ?? "");
  if (m) return { name: m[1].replace(/^"(.*)"$/, "$1"), address: m[2].trim() };
  return { name: "", address: (value ?? "").trim() };
}

/** RFC 2047 for header values that are not plain ASCII. */
function encodeHeaderValue(value) {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?utf-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

function formatMailbox({ name, address }) {
  if (!name) return address;
  return /^[\w .-]*$/.test(name) ? `${name} <${address}>` : `${encodeHeaderValue(name)} <${address}>`;
}

/** Quoted-printable (RFC 2045 §6.7) with soft line breaks at 76 characters. */
export function encodeQuotedPrintable(text) {
  const lines = text.replace(/\r?\n/g, "\n").split("\n");
  return lines
    .map((line) => {
      let encoded = "";
      const bytes = Buffer.from(line, "utf8");
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const plain = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        encoded += plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
      });
      const out = [];
      while (encoded.length > 76) {
        let cut = 75;
        // never split an =XX escape
        const eq = encoded.lastIndexOf("=", cut);
        if (eq > cut - 3) cut = eq;
        out.push(`${encoded.slice(0, cut)}=`);
        encoded = encoded.slice(cut);
      }
      out.push(encoded);
      return out.join("\r\n");
    })
    .join("\r\n");
}

const base64Lines = (text) => (Buffer.from(text, "utf8").toString("base64").match(/.{1,76}/g) ?? [""]).join("\r\n");

/** Builds the RFC 5322 message (CRLF line ends). */
export function buildMessage({ from, to, subject, text, html, date = new Date() }) {
  const sender = parseMailbox(from);
  const boundary = `=_interop_${randomBytes(12).toString("hex")}`;
  const domain = sender.address.split("@")[1] || "localhost";
  const headers = [
    `From: ${formatMailbox(sender)}`,
    `To: ${to.join(", ")}`,
    `Subject: ${encodeHeaderValue(subject)}`,
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${randomBytes(16).toString("hex")}@${domain}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  return [
    ...headers,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    encodeQuotedPrintable(text),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/** One SMTP conversation over `socket`: `expect(codes)` reads one (multi-line) reply. */
function conversation(socket, timeoutMs) {
  let buffer = "";
  let pending;
  let failure;
  const replies = [];
  const deliver = () => {
    if (!pending) return;
    if (replies.length) {
      const { resolve } = pending;
      pending = undefined;
      resolve(replies.shift());
    } else if (failure) {
      const { reject } = pending;
      pending = undefined;
      reject(failure);
    }
  };
  socket.setEncoding("utf8");
  socket.on("data", (chunk) => {
    buffer += chunk;
    let lines = [];
    for (;;) {
      const nl = buffer.indexOf("\n");
      if (nl < 0) break;
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        replies.push({ code: Number(line.slice(0, 3)), lines });
        lines = [];
      }
    }
    if (lines.length) buffer = `${lines.join("\r\n")}\r\n${buffer}`;
    deliver();
  });
  const fail = (err) => {
    failure ??= err;
    deliver();
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("SMTP connection closed")));
  socket.setTimeout(timeoutMs, () => {
    fail(new Error(`SMTP timeout after ${timeoutMs} ms`));
    socket.destroy();
  });
  return {
    async expect(...codes) {
      const reply = await new Promise((resolve, reject) => {
        pending = { resolve, reject };
        deliver();
      });
      if (!codes.includes(reply.code)) throw new Error(`SMTP: expected ${codes.join("/")}, got ${reply.lines.join(" | ")}`);
      return reply;
    },
    send(line) {
      socket.write(`${line}\r\n`);
    },
  };
}

/**
 * Sends one message through `smtpUrl` (`smtp://host:port`). Resolves to the server's final reply.
 * `to` is a string or a list of addresses; `from` a mailbox (`Name <a@b.c>`).
 */
export async function sendMail(smtpUrl, { from, to, subject, text, html, timeoutMs = 10_000 }) {
  const url = new URL(smtpUrl);
  if (url.protocol !== "smtp:") throw new Error(`only plain smtp:// is supported, got ${url.protocol}`);
  const recipients = Array.isArray(to) ? to : [to];
  const raw = buildMessage({ from, to: recipients, subject, text, html });
  const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 25) });
  const smtp = conversation(socket, timeoutMs);
  try {
    await smtp.expect(220);
    smtp.send(`EHLO ${os.hostname() || "localhost"}`);
    const ehlo = await smtp.expect(250, 500, 502);
    if (ehlo.code !== 250) {
      smtp.send(`HELO ${os.hostname() || "localhost"}`);
      await smtp.expect(250);
    }
    smtp.send(`MAIL FROM:<${parseMailbox(from).address}>`);
    await smtp.expect(250);
    for (const rcpt of recipients) {
      smtp.send(`RCPT TO:<${rcpt}>`);
      await smtp.expect(250, 251);
    }
    smtp.send("DATA");
    await smtp.expect(354);
    // Dot-stuffing: a line starting with "." gets one more.
    socket.write(`${raw.replace(/\r\n$/, "").replace(/^\./gm, "..")}\r\n.\r\n`);
    const done = await smtp.expect(250);
    smtp.send("QUIT");
    await smtp.expect(221).catch(() => {});
    return done.lines.join("\n");
  } finally {
    socket.end();
    socket.destroy();
  }
}
