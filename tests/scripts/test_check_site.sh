#!/usr/bin/env bash
# docs/check-site passes a small site that reads right, and fails, naming the page and the problem,
# on each fault it is there to catch, put in one at a time.
set -uo pipefail
cd "$(dirname "$0")/../.."
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The good site: a page with bold, code, a hint, a link to a section, a wide drawing that the CSS
# scales; two chapter pages that lead to each other; a sidebar entry.
good="$work/good"
mkdir -p "$good"
cat >"$good/index.html" <<'EOF'
<html><head><link href="site.css" rel="stylesheet" type="text/css"/></head><body>
<div class="contents"><p><b>Bold</b>, <code>char **argv</code>, <a href="page.html#part">a part</a>.</p>
<details><summary>Hint 1</summary> Read the lesson. </details>
<object type="image/svg+xml" data="wide.svg"></object></div></body></html>
EOF
echo '<html><body><h2><a class="anchor" id="part"></a>A part</h2></body></html>' >"$good/page.html"
echo '<svg width="2000pt" height="100pt" viewBox="0 0 2000 100"></svg>' >"$good/wide.svg"
echo 'div.contents img, div.contents object { max-width: 100%; }' >"$good/site.css"
echo '<html><body><a href="md_chapters_01_b_README.html">next</a></body></html>' \
  >"$good/md_chapters_00_a_README.html"
echo '<html><body><a href="md_chapters_00_a_README.html">previous</a></body></html>' \
  >"$good/md_chapters_01_b_README.html"
echo 'var NAVTREE = [ [ "A part", "page.html#part", null ] ];' >"$good/navtreedata.js"

out=$(docs/check-site "$good" 2>&1) || fail "a good site fails: $out"

# broken FILE SED-SCRIPT EXPECTED [PAGE]: the good site with FILE changed must fail, naming PAGE
# (FILE itself by default) and saying EXPECTED.
broken() {
  local site="$work/broken" page="${4:-$1}"
  rm -rf "$site" && cp -r "$good" "$site"
  sed -i "$2" "$site/$1"
  if cmp -s "$good/$1" "$site/$1"; then
    fail "the test's sed changed nothing: $2 in $1"
    return
  fi
  out=$(docs/check-site "$site" 2>&1) && fail "passes: $2 in $1"
  [[ $out == *"$page: "*"$3"* ]] || fail "$2 in $1: expected \"$page: ...$3\" in: $out"
}
broken index.html 's/Hint 1/Details/' 'titled "Details"'
broken index.html 's/ Read the lesson. //' 'opens to nothing'
broken index.html 's|<b>Bold</b>|**Bold**|' 'raw **'
broken index.html 's|<b>Bold</b>|\&lt;tt\&gt;x\&lt;/tt\&gt;|' 'raw <tt>'
broken index.html 's|<b>Bold</b>|[Bold](bold.md)|' 'raw [text](link)'
broken index.html 's|<b>Bold</b>|`Bold`|' 'a raw `'
broken index.html 's|<b>Bold</b>|an –option|' 'made a dash'
broken index.html 's|page.html#part|page.html#whole|' 'no anchor "whole"'
broken index.html 's|page.html#part|pages.html|' 'no such file'
broken index.html 's|<object type="image/svg+xml" data="\(wide.svg\)"></object>|<iframe src="\1"></iframe>|' \
  'an <iframe> does not scale'
broken wide.svg 's| viewBox="[^"]*"||' 'no viewBox' index.html
broken site.css 's|max-width: 100%|max-width: none|' 'no max-width: 100% for <object>' index.html
broken md_chapters_00_a_README.html 's|md_chapters_01_b_README.html|index.html|' 'no link to the next'
broken md_chapters_01_b_README.html 's|md_chapters_00_a_README.html|index.html|' 'no link to the previous'
broken navtreedata.js 's|A part|A <tt>part</tt>|' 'raw <tt>' \
  'navtreedata.js (sidebar entry "A <tt>part</tt>")'
broken navtreedata.js 's|#part|#whole|' 'no anchor "whole"' 'navtreedata.js (sidebar entry "A part")'

[[ $failures -eq 0 ]] && echo "docs/check-site: all checks pass"
exit $((failures > 0))
