// js-ipfs 0.66 pulls in a dependency that calls Promise.withResolvers (Node 22+). Loaded with
// NODE_OPTIONS=--require into the jsipfs daemon and CLI only, never into the test process.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
