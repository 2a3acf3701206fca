/* Pickers (portal/pickers/forms.py): while one types in a picker's search box, its select is filled with
   the matches from the picker's JSON search, the same options and words the Find button gives without
   JavaScript. Served by the portal itself (no CDN); the page works the same without it. */
(function () {
  "use strict";

  var WAIT_MS = 250;

  function narrowing(box, select) {
    var params = new URLSearchParams();
    var by = box.getAttribute("data-narrow-by");
    if (by && select.form && select.form.elements[by] && select.form.elements[by].value) {
      params.set(by, select.form.elements[by].value);
    }
    Array.prototype.forEach.call(box.attributes, function (attribute) {
      var name = attribute.name;
      if (name.indexOf("data-narrow-") === 0 && name !== "data-narrow-by") {
        params.set(name.slice("data-narrow-".length), attribute.value);
      }
    });
    return params;
  }

  function fill(select, note, data) {
    var chosen = select.options[select.selectedIndex];
    // The blank and fixed choices stay first, and so does the current choice; the matches follow.
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (!option.hasAttribute("data-keep") && option !== chosen) {
        select.removeChild(option);
      }
    });
    data.options.forEach(function (found) {
      if (chosen && chosen.value === String(found.value)) {
        return;
      }
      var option = document.createElement("option");
      option.value = String(found.value);
      option.textContent = found.label;
      select.appendChild(option);
    });
    if (note && data.summary) {
      note.textContent = data.summary;
    }
  }

  function setUp(box) {
    var select = box.querySelector("select");
    var input = box.querySelector(".picker-search input");
    var button = box.querySelector(".picker-search button[name='pick']");
    var note = box.querySelector(".picker-found");
    if (!select) {
      return;
    }
    var timer = null;
    var asked = 0;

    function search() {
      var mine = ++asked;
      var params = narrowing(box, select);
      params.set("q", input ? input.value.trim() : "");
      fetch(box.getAttribute("data-picker") + "?" + params.toString(),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && mine === asked) {
            fill(select, note, data);
          }
        })
        .catch(function () { /* the Find button still works */ });
    }

    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, WAIT_MS);
    }

    if (input) {
      input.addEventListener("input", soon);
      // In a form that saves, Enter in the search box searches here instead of sending the form.
      if (button) {
        input.addEventListener("keydown", function (event) {
          if (event.key === "Enter") {
            event.preventDefault();
            window.clearTimeout(timer);
            search();
          }
        });
      }
    }
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        window.clearTimeout(timer);
        search();
      });
    }
    var by = box.getAttribute("data-narrow-by");
    if (by && select.form && select.form.elements[by]) {
      select.form.elements[by].addEventListener("change", search);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setUp);
}());
