// The docs site's own script, loaded by every page (docs/CMakeLists.txt puts it in Doxygen's page
// header). It turns on doxygen-awesome's extensions when the theme is installed, and gives the
// site a search over the lessons' whole text: Doxygen 1.9.4's own search knows only names and page
// titles. The index is search-index.js, written by docs/finish-site; it is a script, not JSON to
// fetch, because a browser fetches nothing from file:// and the site must work from disk.
'use strict';

(function () {
  const awesome = typeof DoxygenAwesomeDarkModeToggle !== 'undefined';  // the theme is installed
  if (awesome) {
    DoxygenAwesomeFragmentCopyButton.init();
    DoxygenAwesomeInteractiveToc.init();
  }

  const here = document.currentScript.src.replace(/site\.js$/, '');
  const MAX_RESULTS = 20;

  function loadIndex(then) {
    if (window.HS_SEARCH_INDEX) return then();
    const script = document.createElement('script');
    script.src = here + 'search-index.js';
    script.onload = then;
    document.head.appendChild(script);
  }

  function escape(text) {
    const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
    return text.replace(/[&<>"]/g, (c) => entities[c]);
  }

  // Every word of the query must be in the section; words in its title count most, then the
  // words as one phrase. The lessons come first, then the API: a learner who searches "timer
  // wheel" wants the section that explains it before the pages of TimerWheel's members.
  function search(query) {
    const phrase = query.toLowerCase().trim().replace(/\s+/g, ' ');
    const words = phrase.split(' ').filter((w) => w.length > 0);
    if (words.length === 0) return [];
    const hits = [];
    for (const entry of window.HS_SEARCH_INDEX) {
      const title = entry.t.toLowerCase();
      const text = entry.x.toLowerCase();
      let score = 0;
      let all = true;
      for (const word of words) {
        const inTitle = title.includes(word);
        const at = text.indexOf(word);
        if (!inTitle && at < 0) { all = false; break; }
        score += (inTitle ? 10 : 0) + (at >= 0 ? 1 : 0);
      }
      if (all && words.length > 1 && (title + ' ' + text).includes(phrase)) score += 5;
      if (all) hits.push({ entry, score });
    }
    hits.sort((a, b) => (b.entry.l - a.entry.l) || (b.score - a.score));
    return hits.slice(0, MAX_RESULTS).map((hit) => ({ entry: hit.entry, words, phrase }));
  }

  function snippet(text, words, phrase) {  // around the phrase if it is there, else the first word
    const lower = text.toLowerCase();
    const found = [phrase, ...words].map((w) => lower.indexOf(w)).filter((i) => i >= 0);
    const at = found.length > 0 ? found[0] : 0;
    const start = Math.max(0, at - 60);
    let shown = escape((start > 0 ? '…' : '') + text.slice(start, start + 200) + '…');
    for (const word of words) {
      shown = shown.replace(new RegExp(escape(word).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'),
                            (m) => '<mark>' + m + '</mark>');
    }
    return shown;
  }

  function render(results, list) {
    const item = ({ entry, words, phrase }) => `<li><a href="${here}${entry.u}">` +
      `<b>${escape(entry.t)}</b><span>${snippet(entry.x, words, phrase)}</span></a></li>`;
    const none = '<li class="hs-none">No page has all these words.</li>';
    list.innerHTML = results.length === 0 ? none : results.map(item).join('');
    list.hidden = false;
  }

  function searchBox() {
    const box = document.createElement('div');
    box.id = 'hs-search';
    const what = 'Search the lessons and the API';
    box.innerHTML = `<input type="search" placeholder="${what}" aria-label="${what}" ` +
                    'autocomplete="off"><ol hidden></ol>';
    const input = box.querySelector('input');
    const list = box.querySelector('ol');
    let selected = -1;
    const select = (i) => {
      const links = list.querySelectorAll('a');
      if (links.length === 0) return;
      selected = (i + links.length) % links.length;
      links.forEach((a, j) => a.classList.toggle('hs-selected', j === selected));
      links[selected].scrollIntoView({ block: 'nearest' });
    };
    input.addEventListener('focus', () => loadIndex(() => {}));
    input.addEventListener('input', () => loadIndex(() => {
      selected = -1;
      if (input.value.trim() === '') { list.hidden = true; return; }
      render(search(input.value), list);
    }));
    input.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') { select(selected + 1); event.preventDefault(); }
      else if (event.key === 'ArrowUp') { select(selected - 1); event.preventDefault(); }
      else if (event.key === 'Escape') { list.hidden = true; input.blur(); }
      else if (event.key === 'Enter') {
        const link = list.querySelectorAll('a')[Math.max(selected, 0)];
        if (link) window.location.href = link.href;
      }
    });
    document.addEventListener('click', (event) => {
      if (!box.contains(event.target)) list.hidden = true;
    });
    return box;
  }

  document.addEventListener('DOMContentLoaded', () => {
    const top = document.getElementById('top');  // the title, then the menu, then the search
    if (!top) return;
    const box = searchBox();
    if (awesome) {
      const toggle = document.createElement('doxygen-awesome-dark-mode-toggle');
      toggle.title = DoxygenAwesomeDarkModeToggle.title;
      toggle.updateIcon();
      box.prepend(toggle);
    }
    top.appendChild(box);
    // index.html?search=timer+wheel opens with those results: a search can be linked to.
    const asked = new URLSearchParams(window.location.search).get('search');
    if (asked) {
      const input = box.querySelector('input');
      input.value = asked;
      input.dispatchEvent(new Event('input'));
    }
  });
})();
