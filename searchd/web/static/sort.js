// A list marked data-submit sends its form as soon as its choice changes (the sort order),
// and its form's button, needed only without this script, is hidden.
(function () {
  "use strict";
  var lists = document.querySelectorAll("select[data-submit]");
  for (var i = 0; i < lists.length; i++) {
    var list = lists[i];
    var button = list.form && list.form.querySelector("button.apply");
    if (button) { button.hidden = true; }
    list.addEventListener("change", function (event) { event.target.form.submit(); });
  }
})();
