// A copy button beside a shown reset code ([data-reset-code]).
// Without JavaScript the code is plain text to select and copy; nothing else depends on this.
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function addCopyButton(box) {
    var code = box.querySelector("[data-reset-code]");
    if (!code || box.querySelector("[data-copy-reset-code]")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ng-copy";
    button.setAttribute("data-copy-reset-code", "");
    button.textContent = box.getAttribute("data-copy-label");
    // Read out by screen readers when it changes, shown to everyone.
    var status = document.createElement("span");
    status.className = "ng-copy-status";
    status.setAttribute("role", "status");

    button.addEventListener("click", function () {
      var text = code.textContent.trim();
      function copied() {
        status.textContent = box.getAttribute("data-copied-label");
      }
      function notCopied() {
        if (copyBySelection(code)) {
          copied();
        } else {
          selectText(code);
          status.textContent = box.getAttribute("data-copy-failed-label");
        }
      }
      status.textContent = "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(copied, notCopied);
      } else {
        notCopied();
      }
    });
    box.appendChild(button);
    box.appendChild(status);
  }

  document.querySelectorAll(".ng-reset-code[data-copy-label]").forEach(addCopyButton);
})();
