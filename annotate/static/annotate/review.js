// Reviewer page helpers; every action still works without this script (plain forms).
(function () {
  "use strict";
  var KEY = "review:only-disagreements";

  // Show only rows where annotators disagree or a tag is disputed; remembered across the reloads each action causes.
  var filter = document.getElementById("rv-only-disagreements");
  if (filter) {
    var apply = function () {
      document.querySelectorAll("tr.rv-row").forEach(function (row) {
        var keep = row.classList.contains("rv-disagree") || row.classList.contains("rv-disputed");
        row.hidden = filter.checked && !keep;
      });
      try { sessionStorage.setItem(KEY, filter.checked ? "1" : ""); } catch (e) { /* storage may be off */ }
    };
    try { filter.checked = sessionStorage.getItem(KEY) === "1"; } catch (e) { filter.checked = false; }
    filter.closest("[hidden]").hidden = false;
    filter.addEventListener("change", apply);
    apply();
  }

  // Edit page: selecting words in the sentence fills start and end, in code points as the server counts them.
  var sentence = document.getElementById("rv-sentence-text");
  var start = document.getElementById("id_start");
  var end = document.getElementById("id_end");
  if (sentence && start && end) {
    var codePoints = function (text) { return Array.from(text).length; };
    sentence.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection.rangeCount || selection.isCollapsed) { return; }
      var range = selection.getRangeAt(0);
      if (!sentence.contains(range.startContainer) || !sentence.contains(range.endContainer)) { return; }
      var before = document.createRange();
      before.setStart(sentence, 0);
      before.setEnd(range.startContainer, range.startOffset);
      var from = codePoints(before.toString());
      start.value = from;
      end.value = from + codePoints(range.toString());
    });
  }
})();
