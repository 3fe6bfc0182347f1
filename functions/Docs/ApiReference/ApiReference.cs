using Membership.Functions.Hosting;

namespace Membership.Functions.Docs.ApiReference;

/// <summary>A browsable API reference.</summary>
/// <remarks>
/// One self-contained HTML page (inline style and script; its Content-Security-Policy lets it load nothing from
/// elsewhere) that loads /openapi/v1.json and renders every operation with its authentication, parameters, schemas
/// and a curl line.
/// </remarks>
internal sealed class ApiReference
{
    [Function(nameof(ApiReference))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest req)
    {
        var headers = req.HttpContext.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";
        return Task.FromResult(Results.Text(Page, "text/html; charset=utf-8"));
    }

    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Room membership service: API reference</title>
        <style>
          :root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --side:#f6f8fa; --code:#f3f4f6; --link:#0969da; }
          * { box-sizing: border-box; }
          body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
          a { color:var(--link); text-decoration:none; } a:hover { text-decoration:underline; }
          code, pre { font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
          code { background:var(--code); padding:0 4px; border-radius:4px; }
          pre { background:var(--code); padding:10px 12px; border-radius:6px; overflow:auto; margin:6px 0 12px; }
          #side { position:fixed; top:0; bottom:0; left:0; width:300px; overflow:auto; background:var(--side); border-right:1px solid var(--line); padding:14px 12px; }
          #side h1 { font-size:15px; margin:0 0 8px; }
          #side input { width:100%; padding:6px 8px; border:1px solid var(--line); border-radius:6px; margin-bottom:10px; }
          #side h2 { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:14px 0 4px; }
          #side a { display:flex; gap:6px; align-items:baseline; padding:2px 4px; border-radius:4px; color:var(--fg); font-size:13px; }
          #side a:hover { background:#eaeef2; text-decoration:none; }
          #main { margin-left:300px; padding:20px 32px 80px; max-width:1100px; }
          .method { display:inline-block; min-width:46px; text-align:center; font:700 11px/18px ui-monospace,monospace; border-radius:4px; color:#fff; padding:0 4px; flex:none; }
          .get { background:#1a7f37; } .post { background:#0969da; } .put { background:#9a6700; } .delete { background:#cf222e; } .patch { background:#8250df; } .head { background:#59636e; }
          .op { border:1px solid var(--line); border-radius:8px; margin:18px 0; padding:14px 18px; scroll-margin-top:12px; }
          .op h3 { margin:0 0 4px; font-size:16px; display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
          .op .path { font:600 14px ui-monospace,monospace; word-break:break-all; }
          .op h4 { margin:14px 0 4px; font-size:13px; }
          .muted { color:var(--muted); }
          table { border-collapse:collapse; width:100%; margin:4px 0 10px; }
          th, td { text-align:left; vertical-align:top; border-top:1px solid var(--line); padding:5px 8px; font-size:13px; }
          th { color:var(--muted); font-weight:600; }
          .schema { margin:4px 0 10px; padding-left:0; list-style:none; }
          .schema ul { list-style:none; padding-left:18px; border-left:1px dashed var(--line); margin:2px 0 2px 4px; }
          .schema li { margin:2px 0; }
          .pname { font:600 12.5px ui-monospace,monospace; }
          .type { color:#8250df; font:12px ui-monospace,monospace; }
          .req { color:#cf222e; font-size:11px; }
          .status { font:700 13px ui-monospace,monospace; }
          details > summary { cursor:pointer; color:var(--muted); margin:4px 0; }
          .tag { font-size:20px; margin:34px 0 4px; padding-bottom:4px; border-bottom:1px solid var(--line); }
          #error { color:#cf222e; }
        </style>
        </head>
        <body>
        <nav id="side"><h1 id="title">API reference</h1><input id="filter" type="search" placeholder="Filter operations" aria-label="Filter operations"><div id="nav"></div></nav>
        <main id="main"><p id="error"></p><div id="content"><p class="muted">Loading /openapi/v1.json ...</p></div></main>
        <script>
        "use strict";
        const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
        const md = s => esc(s)
          .replace(/`([^`]+)`/g, "<code>$1</code>")
          .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
          .split(/\n\s*\n/).map(p => /^\s*- /.test(p)
            ? "<ul>" + p.split(/\n\s*- /).map(i => "<li>" + i.replace(/^\s*- /, "") + "</li>").join("") + "</ul>"
            : "<p>" + p + "</p>").join("");
        const pretty = v => esc(JSON.stringify(v, null, 2));
        let doc;

        function resolve(schema) {
          let name = null;
          while (schema && schema.$ref) {
            name = schema.$ref.split("/").pop();
            schema = doc.components.schemas[name];
          }
          return [schema || {}, name];
        }

        function typeOf(s) {
          if (s.enum) return (s.type ? s.type + " " : "") + "one of " + s.enum.map(v => JSON.stringify(v)).join(", ");
          let t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || (s.oneOf ? "one of" : s.allOf ? "object" : "any"));
          if (t === "array" && s.items) { const [items, name] = resolve(s.items); t = "array of " + (name || typeOf(items)); }
          const limits = [];
          if (s.minimum !== undefined) limits.push("≥ " + s.minimum);
          if (s.maximum !== undefined) limits.push("≤ " + s.maximum);
          if (s.maxLength !== undefined) limits.push("≤ " + s.maxLength + " chars");
          if (s.minItems !== undefined) limits.push("≥ " + s.minItems + " items");
          if (s.maxItems !== undefined) limits.push("≤ " + s.maxItems + " items");
          if (s.pattern) limits.push("pattern " + s.pattern);
          return t + (limits.length ? " (" + limits.join(", ") + ")" : "");
        }

        function properties(s) {
          const props = Object.assign({}, s.properties || {});
          const required = new Set(s.required || []);
          for (const part of s.allOf || []) {
            const [p] = resolve(part);
            Object.assign(props, p.properties || {});
            (p.required || []).forEach(r => required.add(r));
          }
          return [props, required];
        }

        function schemaView(schema, depth) {
          const [s, name] = resolve(schema);
          const head = (name ? '<span class="type">' + esc(name) + "</span> " : "") + (s.description ? '<span class="muted">' + esc(s.description) + "</span>" : "");
          return head + body(s, depth);
        }

        function body(s, depth) {
          if (depth > 6) return "";
          let html = "";
          const [props, required] = properties(s);
          const keys = Object.keys(props);
          if (keys.length) {
            html += '<ul class="schema">' + keys.map(k => {
              const [p, name] = resolve(props[k]);
              return "<li><span class=\"pname\">" + esc(k) + "</span> <span class=\"type\">" + esc(name || typeOf(p)) + "</span>"
                + (required.has(k) ? ' <span class="req">required</span>' : "")
                + (p.description ? " <span class=\"muted\">— " + esc(p.description) + "</span>" : "")
                + body(p, depth + 1) + "</li>";
            }).join("") + "</ul>";
          }
          if (s.additionalProperties && typeof s.additionalProperties === "object") {
            const [v, name] = resolve(s.additionalProperties);
            html += '<ul class="schema"><li><span class="pname">{key}</span> <span class="type">' + esc(name || typeOf(v)) + "</span>"
              + (v.description ? " <span class=\"muted\">— " + esc(v.description) + "</span>" : "") + body(v, depth + 1) + "</li></ul>";
          }
          if (s.items) {
            const [items] = resolve(s.items);
            html += body(items, depth + 1);
          }
          if (s.oneOf) {
            html += '<ul class="schema">' + s.oneOf.map(o => "<li>" + (resolve(o)[1] ? "" : '<span class="type">' + esc(typeOf(resolve(o)[0])) + "</span> ") + schemaView(o, depth + 1) + "</li>").join("") + "</ul>";
          }
          return html;
        }

        function examples(media) {
          const list = media.examples ? Object.entries(media.examples).map(([k, e]) => [e.summary || k, e.value]) : media.example !== undefined ? [["Example", media.example]] : [];
          return list.map(([title, value], i) => "<details" + (i === 0 ? " open" : "") + "><summary>" + esc(title) + "</summary><pre>" + pretty(value) + "</pre></details>").join("");
        }

        function security(op) {
          const reqs = op.security || doc.security || [];
          if (!reqs.length) return "<p class=\"muted\">No authentication.</p>";
          const schemes = doc.components.securitySchemes || {};
          return "<ul>" + reqs.map(r => "<li>" + Object.keys(r).map(k => {
            const s = schemes[k] || {};
            const where = s.type === "http" ? "Authorization: " + s.scheme : s.in + " " + s.name;
            return "<code>" + esc(where) + "</code>";
          }).join(" + ") + "</li>").join("<li class=\"muted\">or</li>") + "</ul>";
        }

        function curl(path, method, op) {
          const query = (op.parameters || []).concat(op._pathParams || []).filter(p => p.in === "query" && p.required).map(p => p.name + "=...");
          for (const r of (op.security || []).slice(0, 1)) for (const k of Object.keys(r)) {
            const s = doc.components.securitySchemes[k];
            if (s && s.in === "query") query.unshift(s.name + "=...");
          }
          let line = "curl -X " + method.toUpperCase() + " '" + location.origin + path + (query.length ? "?" + query.join("&") : "") + "'";
          const first = (op.security || [])[0] || {};
          for (const k of Object.keys(first)) {
            const s = doc.components.securitySchemes[k];
            if (s && s.type === "http") line += " -H 'Authorization: Bearer $TOKEN'";
            if (s && s.in === "header") line += " -H '" + s.name + ": ...'";
          }
          const media = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
          if (media) line += " -d '" + JSON.stringify(media.example ?? Object.values(media.examples || {}).map(e => e.value)[0] ?? {}) + "'";
          return line;
        }

        function params(list) {
          if (!list.length) return "";
          return "<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr>" + list.map(p =>
            "<tr><td><span class=\"pname\">" + esc(p.name) + "</span>" + (p.required ? ' <span class="req">required</span>' : "") + "</td><td>" + esc(p.in)
            + "</td><td><span class=\"type\">" + esc(typeOf(resolve(p.schema || {})[0])) + "</span></td><td>" + esc(p.description) + "</td></tr>").join("") + "</table>";
        }

        function operation(path, method, op, pathParams) {
          op._pathParams = pathParams;
          let html = '<section class="op" id="' + esc(op.operationId) + '"><h3><span class="method ' + method + '">' + method.toUpperCase() + '</span><span class="path">'
            + esc(path) + "</span></h3><div><strong>" + esc(op.summary) + "</strong></div>" + (op.description ? md(op.description) : "");
          html += "<h4>Authentication</h4>" + security(op);
          html += params(pathParams.concat(op.parameters || []));
          const rb = op.requestBody;
          if (rb) {
            for (const [type, media] of Object.entries(rb.content || {})) {
              html += "<h4>Request body <span class=\"muted\">" + esc(type) + (rb.required ? "" : ", optional") + "</span></h4>" + schemaView(media.schema || {}, 0) + examples(media);
            }
          }
          html += "<h4>Responses</h4>";
          for (const [status, r] of Object.entries(op.responses || {})) {
            html += "<div><span class=\"status\">" + esc(status) + "</span> " + esc(r.description) + "</div>";
            for (const [type, media] of Object.entries(r.content || {})) {
              html += "<details" + (status === "200" ? " open" : "") + "><summary>" + esc(type) + " schema and examples</summary>" + schemaView(media.schema || {}, 0) + examples(media) + "</details>";
            }
          }
          html += "<details><summary>curl</summary><pre>" + esc(curl(path, method, op)) + "</pre></details>";
          return html + "</section>";
        }

        function render() {
          document.title = doc.info.title + ": API reference";
          document.getElementById("title").textContent = doc.info.title;
          const byTag = new Map((doc.tags || []).map(t => [t.name, []]));
          for (const [path, item] of Object.entries(doc.paths || {})) {
            for (const method of ["get", "put", "post", "delete", "patch", "head"]) {
              const op = item[method];
              if (!op) continue;
              const tag = (op.tags || ["Other"])[0];
              if (!byTag.has(tag)) byTag.set(tag, []);
              byTag.get(tag).push([path, method, op, item.parameters || []]);
            }
          }
          let content = "<h1>" + esc(doc.info.title) + ' <span class="muted" style="font-size:14px">OpenAPI ' + esc(doc.openapi) + ", " + esc(doc.info.version)
            + ' · <a href="/openapi/v1.json">openapi/v1.json</a></span></h1>' + md(doc.info.description || "");
          let nav = "";
          for (const [tag, ops] of byTag) {
            if (!ops.length) continue;
            const t = (doc.tags || []).find(x => x.name === tag);
            content += '<h2 class="tag" id="tag-' + esc(tag) + '">' + esc(tag) + "</h2>" + (t && t.description ? md(t.description) : "");
            nav += "<h2>" + esc(tag) + "</h2>";
            for (const [path, method, op, pathParams] of ops) {
              content += operation(path, method, op, pathParams);
              nav += '<a href="#' + esc(op.operationId) + '" data-text="' + esc((method + " " + path + " " + op.summary).toLowerCase()) + '"><span class="method '
                + method + '">' + method.toUpperCase() + "</span><span>" + esc(op.summary) + "</span></a>";
            }
          }
          document.getElementById("content").innerHTML = content;
          document.getElementById("nav").innerHTML = nav;
          if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
        }

        document.getElementById("filter").addEventListener("input", e => {
          const q = e.target.value.toLowerCase();
          for (const a of document.querySelectorAll("#nav a")) a.style.display = a.dataset.text.includes(q) ? "" : "none";
        });

        fetch("/openapi/v1.json")
          .then(r => { if (!r.ok) throw new Error("GET /openapi/v1.json answered " + r.status); return r.json(); })
          .then(d => { doc = d; render(); })
          .catch(e => { document.getElementById("error").textContent = String(e); document.getElementById("content").textContent = ""; });
        </script>
        </body>
        </html>
        """;
}
