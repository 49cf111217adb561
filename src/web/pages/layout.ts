import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { HealthReport } from "../context.ts";

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The page frame shared by every server-rendered page. With a health report that has problems,
 * a banner (role="alert", one line per problem) sits above the page; web/status.js keeps it current
 * on the live status page. web/admin.js, on every page, adds sign-in or sign-out to the header and,
 * for an admin session, the admin buttons.
 */
export function layout(title: string, body: Body, health?: HealthReport | null) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · gatebox</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header><h1><a href="/">gatebox</a></h1><nav><a href="/">Status</a><a href="/builds">Builds</a><a href="/history">History</a></nav></header>
${healthBanner(health)}<main>${body}</main>
<script src="/assets/admin.js" defer></script>
</body>
</html>`;
}

/** The banner of a report's problems; nothing when there are none. */
export function healthBanner(health: HealthReport | null | undefined) {
  if (!health || health.problems.length === 0) return "";
  return html`<div id="health" class="health-banner" role="alert"><strong>gatebox cannot do its whole job:</strong><ul>${health.problems.map(
    (p) => html`<li data-check="${p.check}"><span class="health-check">${p.check}</span>: ${p.message}</li>`,
  )}</ul></div>
`;
}
