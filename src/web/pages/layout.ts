import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The page frame shared by every server-rendered page. */
export function layout(title: string, body: Body) {
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
<main>${body}</main>
</body>
</html>`;
}
