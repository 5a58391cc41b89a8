/* Arrays as the server sends them: plotly's packed typed arrays {dtype, bdata (base64), shape}
 * (components/typed_arrays.py writes them).  The one decoder in the browser: figures' CSV export
 * (teaching.js), time moves (timemoves.js), the landscape's scrub stack (landscape.js) and the particle
 * run (particles.js) read arrays through it.  Each packed array is decoded once. */
(function () {
  const TYPES = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                  u2: Uint16Array, i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray };
  const decoded = new WeakMap();

  function isPacked(a) {
    return !!a && typeof a === "object" && typeof a.bdata === "string";
  }

  /* The typed array of a packed one (null for an unknown dtype). */
  function typed(a) {
    if (decoded.has(a)) return decoded.get(a);
    const Type = TYPES[String(a.dtype).replace(/^[<>|=]/, "")];
    let out = null;
    if (Type) {
      const bin = atob(a.bdata);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      out = new Type(bytes.buffer);
    }
    decoded.set(a, out);
    return out;
  }

  /* Its shape as a list of numbers (plotly may write it as text, "3, 4"); [length] when absent. */
  function shape(a) {
    if (typeof a.shape === "string") return a.shape.split(",").map(Number);
    return Array.isArray(a.shape) && a.shape.length ? a.shape : [typed(a) ? typed(a).length : 0];
  }

  window.DTL_arrays = { isPacked, typed, shape };
})();
