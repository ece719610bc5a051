/* Counter.jsx's onClick={() => updateElement({...props, count: props.count + 1})}. */
window.ChatElements.define("Counter", function (root, api) {
  root.querySelector("[data-increment]").addEventListener("click", function () {
    api.updateElement(Object.assign({}, api.props, { count: api.props.count + 1 }));
  });
});
