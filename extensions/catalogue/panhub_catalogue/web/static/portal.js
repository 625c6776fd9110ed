/* The portal's one script: only an enhancement. Every page works without it (links and
   GET forms); with it, a filter, a sort or a page swaps the results in place (the same
   URL fetched, its #results and #facets taken), the address bar follows (a search stays
   a link), the focus stays where it was, and a live region says how many sessions match.
   The collection form gets "Add author" and "Add related identifier" buttons. */
(function () {
  'use strict';

  /* a fetch's headers: JupyterHub refuses a script's cookie-authenticated request
     without the XSRF token the page carries (signed-in visitors only) */
  function headers(accept) {
    var meta = document.querySelector('meta[name="panhub-xsrf"]');
    var out = { Accept: accept };
    if (meta && meta.content) {
      out['X-XSRFToken'] = meta.content;
    }
    return out;
  }

  function enhanceSessions() {
    var form = document.getElementById('filters');
    if (!form || !window.fetch || !window.DOMParser || !window.history.pushState) {
      return;
    }
    var base = form.getAttribute('action');
    /* on a narrow screen the filters fold away under their summary, the table first */
    var more = form.querySelector('details.more-filters');
    if (more && window.matchMedia && window.matchMedia('(max-width: 1000px)').matches) {
      more.open = false;
    }
    var live = document.createElement('p');
    live.className = 'visually-hidden';
    live.setAttribute('aria-live', 'polite');
    document.body.appendChild(live);
    var controller = null;
    var typing = null;

    /* the search as its URL: the fields with a value, defaults left out (a short link) */
    function formUrl() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (field) {
        var value = field.value;
        if (!field.name || field.disabled || !String(value || '').trim()) {
          return;
        }
        if ((field.type === 'checkbox' || field.type === 'radio') && !field.checked) {
          return;
        }
        if (field.getAttribute('data-default') === value) {
          return;
        }
        params.append(field.name, value);
      });
      var query = params.toString();
      return query ? base + '?' + query : base;
    }

    /* what the focus was on, to find its counterpart in the new page */
    function describeFocus() {
      var el = document.activeElement;
      if (!el || el === document.body) {
        return null;
      }
      if (el.id) {
        return { id: el.id };
      }
      if (el.name && el.form === form) {
        return { name: el.name, value: el.value };
      }
      var header = el.closest && el.closest('th');
      if (header && el.classList.contains('sort')) {
        return { sort: header.className.split(' ')[0] };
      }
      if (el.closest && el.closest('#results, .years')) {
        return { results: true };
      }
      return null;
    }

    function restoreFocus(key) {
      if (!key) {
        return;
      }
      var target = null;
      if (key.id) {
        target = document.getElementById(key.id);
      } else if (key.name) {
        var fields = form.elements.namedItem(key.name);
        var list = fields && fields.length !== undefined ? fields : [fields];
        for (var i = 0; i < list.length; i++) {
          if (list[i] && list[i].value === key.value) {
            target = list[i];
          }
        }
      } else if (key.sort) {
        target = document.querySelector('th.' + key.sort + ' a.sort');
      }
      if (!target && (key.results || key.sort)) {
        target = document.getElementById('results-title');
        if (target) {
          target.setAttribute('tabindex', '-1');
        }
      }
      if (target && target !== document.activeElement) {
        target.focus();
      }
    }

    function swap(doc) {
      var key = describeFocus();
      ['results', 'facets'].forEach(function (id) {
        var now = document.getElementById(id);
        var next = doc.getElementById(id);
        if (now && next) {
          now.replaceWith(document.adoptNode(next));
        }
      });
      var text = doc.getElementById('f-text');
      var mine = document.getElementById('f-text');
      if (text && mine && document.activeElement !== mine) {
        mine.value = text.value;
      }
      var sort = form.querySelector('input[name="sort"]');
      var nextSort = doc.querySelector('#filters input[name="sort"]');
      if (sort && !nextSort) {
        sort.remove();
      } else if (nextSort) {
        if (!sort) {
          sort = document.createElement('input');
          sort.type = 'hidden';
          sort.name = 'sort';
          form.appendChild(sort);
        }
        sort.value = nextSort.value;
      }
      document.title = doc.title;
      restoreFocus(key);
      var count = document.getElementById('result-count');
      live.textContent = count ? count.textContent : '';
    }

    function load(url, how) {
      /* a search typed before, still waiting for its pause, must not come after this
         load and undo it (a sort clicked within 350 ms of typing) */
      clearTimeout(typing);
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      document.body.classList.add('loading');
      return fetch(url, {
        signal: controller.signal,
        credentials: 'same-origin',
        headers: headers('text/html')
      })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          swap(new DOMParser().parseFromString(html, 'text/html'));
          if (how === 'push') {
            history.pushState({ portal: true }, '', url);
          } else if (how === 'replace') {
            history.replaceState({ portal: true }, '', url);
          }
          document.body.classList.remove('loading');
        })
        .catch(function (error) {
          if (error.name !== 'AbortError') {
            window.location.href = url;
          }
        });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      load(formUrl(), 'push');
    });
    form.addEventListener('change', function (event) {
      if (event.target.id !== 'f-text') {
        load(formUrl(), 'push');
      }
    });
    document.addEventListener('change', function (event) {
      if (event.target.id === 'f-limit') {
        load(formUrl(), 'push');
      }
    });
    form.addEventListener('input', function (event) {
      if (event.target.id === 'f-text') {
        clearTimeout(typing);
        typing = setTimeout(function () {
          load(formUrl(), 'replace');
        }, 350);
      }
    });
    document.addEventListener('click', function (event) {
      var link = event.target.closest && event.target.closest('a[href]');
      if (
        !link ||
        event.defaultPrevented ||
        event.button !== 0 ||
        event.metaKey ||
        event.ctrlKey ||
        event.shiftKey ||
        event.altKey ||
        !link.closest('.pager, thead, .chips, .years')
      ) {
        return;
      }
      event.preventDefault();
      load(link.href, 'push');
    });
    /* the user field's suggestions: the user facet, asked for when the field is used */
    form.addEventListener('focusin', function (event) {
      var field = event.target;
      if (field.id !== 'f-user' || field.getAttribute('data-loaded')) {
        return;
      }
      field.setAttribute('data-loaded', 'true');
      fetch(field.getAttribute('data-facet-url') + window.location.search, {
        credentials: 'same-origin',
        headers: headers('application/json')
      })
        .then(function (response) {
          return response.ok ? response.json() : { user: [] };
        })
        .then(function (body) {
          var list = document.getElementById('f-user-list');
          if (!list) {
            return;
          }
          list.textContent = '';
          body.user.forEach(function (value) {
            var option = document.createElement('option');
            option.value = value.value;
            option.label = value.value + ' (' + value.count + ')';
            list.appendChild(option);
          });
        })
        .catch(function () {
          field.removeAttribute('data-loaded');
        });
    });
    window.addEventListener('popstate', function () {
      load(window.location.href, null);
    });
  }

  /* the collection form: more rows for authors and related works */
  function enhanceRepeats() {
    var groups = document.querySelectorAll('[data-repeat]');
    Array.prototype.forEach.call(groups, function (group) {
      var template = group.querySelector('[data-repeat-row]');
      if (!template) {
        return;
      }
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button';
      button.textContent = group.getAttribute('data-repeat');
      button.addEventListener('click', function () {
        var rows = group.querySelectorAll('[data-repeat-row]');
        var row = template.cloneNode(true);
        var index = rows.length;
        Array.prototype.forEach.call(row.querySelectorAll('input, select, label'), function (el) {
          ['id', 'for', 'name'].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) {
              el.setAttribute(attr, value.replace(/-\d+(-|$)/, '-' + index + '$1'));
            }
          });
          // a new row has none of the first row's problems
          el.removeAttribute('aria-invalid');
          el.removeAttribute('aria-describedby');
          if (el.tagName === 'INPUT') {
            el.value = '';
          } else if (el.tagName === 'SELECT') {
            el.selectedIndex = 0;
          }
        });
        var legend = row.querySelector('legend');
        if (legend) {
          legend.textContent = legend.textContent.replace(/\d+$/, String(index + 1));
        }
        rows[rows.length - 1].after(row);
        var first = row.querySelector('input');
        if (first) {
          first.focus();
        }
      });
      group.appendChild(button);
    });
  }

  function enhanceSelection() {
    /* "select all" checkboxes of the datasets and files tables */
    Array.prototype.forEach.call(document.querySelectorAll('[data-select-all]'), function (box) {
      box.hidden = false;
      var name = box.getAttribute('data-select-all');
      box.addEventListener('change', function () {
        var boxes = document.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
        Array.prototype.forEach.call(boxes, function (other) {
          other.checked = box.checked;
        });
      });
    });
  }

  enhanceSessions();
  enhanceRepeats();
  enhanceSelection();
})();
