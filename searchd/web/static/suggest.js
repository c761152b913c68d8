// Search as you type: completes the word being typed from /api/suggest.
// An ARIA combobox: arrow keys move through the list, Enter picks, Escape closes.
// The page works without this script; it only adds the suggestion list.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var form = input.form;
  var active = -1;
  var items = [];
  var sequence = 0;
  var timer = null;

  function lastWord(text) {
    var match = /[^\s"()*?:+\-]+$/u.exec(text);
    return match ? match[0] : "";
  }

  function close() {
    // an answer still on its way (or a fetch still waiting for the pause in typing) must
    // not open the list again after Escape, a pick or leaving the field
    clearTimeout(timer);
    sequence += 1;
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(words) {
    list.textContent = "";
    items = words;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!words.length) { close(); return; }
    words.forEach(function (word, i) {
      var li = document.createElement("li");
      li.id = "q-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = word;  // text, never HTML
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the input
        pick(i);
      });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    var options = list.children;
    if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
    active = index;
    if (active >= 0 && options[active]) {
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    var text = input.value;
    var word = lastWord(text);
    input.value = text.slice(0, text.length - word.length) + items[index];
    close();
    if (form) { form.submit(); }
  }

  function fetchSuggestions() {
    var word = lastWord(input.value);
    if (!word) { close(); return; }
    var mine = ++sequence;
    fetch("/api/suggest?q=" + encodeURIComponent(input.value.slice(-100)))
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) {
        if (mine !== sequence || document.activeElement !== input) { return; }
        show(data.suggestions || []);
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 80);
  });

  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
})();
