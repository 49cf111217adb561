import { html } from "hono/html";

/** What the status page shows while no Gerrit connection is configured: how to add one. */
export function setupNotice(configFile: string | null, dataDir: string) {
  return html`<section class="card" id="no-connection">
<h2>No Gerrit connection is configured</h2>
<p>gatebox is running ${configFile ? html`with <code>${configFile}</code>` : "on its defaults (no config file)"},
storing its data in <code>${dataDir}</code>. To gate changes, add a Gerrit connection, pipelines, jobs and projects:</p>
<ol>
<li>Copy the commented example: <code>cp examples/gatebox.yaml gatebox.yaml</code></li>
<li>Set <code>connections.gerrit.url</code> and <code>user</code>, and give the account's HTTP password in an environment variable:
<code>export GATEBOX_GERRIT_PASSWORD=…</code></li>
<li>Check it: <code>gatebox validate gatebox.yaml</code></li>
<li>Restart: <code>gatebox serve --config gatebox.yaml</code></li>
</ol>
<p>In a clone of the repository, after <code>npm ci</code>, run each command with <code>npx</code>:
<code>npx gatebox validate gatebox.yaml</code> (the sources under Bun, or the compiled binary once
<code>npm run build</code> has made <code>dist/gatebox</code>).</p>
<p class="muted">The README's "Pointing gatebox at Gerrit" section lists the labels and permissions the account needs.</p>
</section>`;
}
