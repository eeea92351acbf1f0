//! The audit page (`render --format html`): one standalone file that keeps
//! the rendered document and adds, per environment, a timeline of every
//! entry drawn as inline SVG, and every entry's details. No network
//! fetches: styles and the small script are inline.

mod entries;
mod timeline;

use std::fmt::Write as _;

use crate::journal::Entry;

/// Everything the page is made of.
pub struct AuditPage<'a> {
    /// The page title (the document's title).
    pub title: &'a str,
    /// The rendered Markdown document, kept as the page's main text.
    pub markdown: &'a str,
    /// Every journal entry, in journal order.
    pub entries: &'a [Entry],
    /// The environments, in the order to show them (declared first).
    pub environments: Vec<String>,
    /// What each entry's signature says, by seq (empty without signing).
    pub signers: &'a std::collections::HashMap<u64, String>,
}

impl AuditPage<'_> {
    /// The whole page as one HTML5 document.
    pub fn to_html(&self) -> String {
        let mut page = String::with_capacity(64 * 1024);
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            escape(self.title)
        );
        page.push_str(&self.navigation());
        page.push_str("<main>\n");
        page.push_str(&self.timelines());
        page.push_str("<section id=\"document\" class=\"document\">\n");
        page.push_str(&markdown_body(self.markdown));
        page.push_str("</section>\n");
        page.push_str(&entries::section(self.entries, self.signers));
        page.push_str("</main>\n<script>\n");
        page.push_str(SCRIPT);
        page.push_str("</script>\n</body>\n</html>\n");
        page
    }

    fn navigation(&self) -> String {
        let mut nav = String::from("<nav class=\"toc\"><strong>Audit page</strong> ");
        for env in &self.environments {
            let _ = write!(
                nav,
                "<a href=\"#timeline-{}\">{}</a> ",
                anchor(env),
                escape(env)
            );
        }
        nav.push_str("<a href=\"#document\">Document</a> <a href=\"#entries\">Entries</a></nav>\n");
        nav
    }

    fn timelines(&self) -> String {
        let mut html = String::from(
            "<section id=\"timelines\">\n<h2>Timeline</h2>\n<p class=\"legend\">\
             <span class=\"key deploy\">●</span> deploy \
             <span class=\"key rollback\">◆</span> rollback (its arc points back to the entry it restored) \
             <span class=\"key snapshot\">■</span> snapshot \
             <span class=\"key lock\">▲</span> lock <span class=\"key lock\">▽</span> unlock \
             <span class=\"key other\">●</span> release, correction; faded: voided; \
             a bar is the time a deploy was live. Select a mark for its details.</p>\n",
        );
        for env in &self.environments {
            html.push_str(&timeline::section(env, self.entries));
        }
        html.push_str("</section>\n");
        html
    }
}

/// The Markdown document as HTML (GFM tables, strikethrough, autolinks).
fn markdown_body(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    comrak::markdown_to_html(markdown, &options)
}

/// Text made safe for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An environment name made safe for an `id` (letters, digits, `-`, `_`).
fn anchor(env: &str) -> String {
    env.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

const STYLE: &str = r#"body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1100px;margin:0 auto;padding:0 1rem 3rem}
nav.toc{position:sticky;top:0;background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:.4rem 1rem;z-index:1}
nav.toc a{margin-right:.6rem}
table{border-collapse:collapse;margin:.6rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
code,pre{background:#f6f8fa;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}pre{padding:.6rem;overflow:auto}
.legend{color:#57606a;font-size:.9em}.key.deploy{color:#0969da}.key.rollback{color:#cf222e}.key.snapshot{color:#57606a}.key.lock{color:#9a6700}.key.other{color:#8250df}
section.timeline{margin:1rem 0 1.5rem}section.timeline h3{margin:.2rem 0}
svg.timeline-svg{width:100%;height:auto;display:block;border:1px solid #d0d7de;border-radius:6px;background:#fbfcfd}
svg .axis{stroke:#8c959f;stroke-width:1}svg .tick{stroke:#d0d7de}svg text{font:11px system-ui,sans-serif;fill:#57606a}
svg .live-bar{fill:#54aeff;opacity:.35;pointer-events:none}svg .live-bar.rollback{fill:#ff8182}
svg .restores{fill:none;stroke:#cf222e;stroke-width:1.5;stroke-dasharray:4 3;pointer-events:none}
svg a.mark{cursor:pointer}svg a.mark .shape{stroke:#fff;stroke-width:1.5}
svg a.mark-deploy .shape{fill:#0969da}svg a.mark-rollback .shape{fill:#cf222e}svg a.mark-snapshot .shape{fill:#6e7781}
svg a.mark-lock .shape,svg a.mark-unlock .shape{fill:#bf8700}svg a.mark-release .shape,svg a.mark-void .shape{fill:#8250df}
svg a.mark.voided{opacity:.35}svg a.mark .shape.hollow{fill:#fff;stroke:#bf8700;stroke-width:2}
.locked-now{color:#9a6700;font-weight:600;margin:.2rem 0}svg a.mark .shape.hollow{fill:#fff;stroke:#bf8700;stroke-width:2}
.locked-now{color:#9a6700;font-weight:600;margin:.2rem 0}svg a.mark:hover .shape,svg a.mark.selected .shape{stroke:#1f2328;stroke-width:2.5}
svg .label{font-size:10px;fill:#1f2328}
details.older{margin:.4rem 0}details.older>summary{cursor:pointer;color:#0969da}
details.entry{border:1px solid #d0d7de;border-radius:6px;margin:.35rem 0;padding:.2rem .6rem}
details.entry>summary{cursor:pointer}details.entry:target,details.entry.selected{outline:2px solid #0969da}
details.entry dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}details.entry dt{color:#57606a}details.entry dd{margin:0}
.voided-note{color:#cf222e}
@media print{nav.toc{display:none}main{max-width:none}details.entry::details-content{content-visibility:visible;display:block}
details.entry,svg.timeline-svg,table{break-inside:avoid}a{color:inherit;text-decoration:none}}
"#;

const SCRIPT: &str = r##"(function () {
  // Open and show the entry the address names (#entry-SEQ), mark its mark.
  function select() {
    var match = /^#entry-(\d+)$/.exec(location.hash);
    document.querySelectorAll('.selected').forEach(function (el) { el.classList.remove('selected'); });
    if (!match) { return; }
    var entry = document.getElementById('entry-' + match[1]);
    if (!entry) { return; }
    entry.open = true;
    entry.classList.add('selected');
    // A mark in a folded window of older entries shows too.
    document.querySelectorAll('a.mark[data-seq="' + match[1] + '"]').forEach(function (m) {
      var older = m.closest('details.older');
      if (older) { older.open = true; }
    });
    document.querySelectorAll('a.mark[data-seq="' + match[1] + '"]').forEach(function (m) { m.classList.add('selected'); });
    entry.scrollIntoView({block: 'center'});
  }
  window.addEventListener('hashchange', select);
  // A second click on the mark already selected changes no address: select again.
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#entry-"]');
    if (link && link.getAttribute('href') === location.hash) { select(); }
  });
  document.addEventListener('DOMContentLoaded', select);
  // A printout shows every entry's details.
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.entry, details.older').forEach(function (d) { d.open = true; });
  });
})();
"##;
