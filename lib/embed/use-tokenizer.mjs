// Plain JavaScript on purpose: runs inside embedding worker threads (see models.mjs).
//
// An exact port of the Universal Sentence Encoder's tokenizer in @energetic-ai/embeddings (a
// SentencePiece-style Viterbi over a vocabulary trie). The package copies the rest of the text
// at every position (`symbols.slice(i)`), which is quadratic: 3.6 ms for a 700-character passage,
// as long as the encoder itself takes on it. This walks the trie in place; the segmentation,
// including the package's tie-breaking and its treatment of unknown symbols, is the same
// (checked token for token on every passage of both collections by scripts/check-encoder.ts).

const SEPARATOR = '\u2581';
/** The package's vocabulary starts with reserved symbols that text never maps to. */
const RESERVED = 6;

export function useTokenizer(vocabulary) {
  const root = { children: new Map(), index: -1, score: 0 };
  for (let i = RESERVED; i < vocabulary.length; i++) {
    let node = root;
    for (const symbol of vocabulary[i][0]) {
      let child = node.children.get(symbol);
      if (!child) node.children.set(symbol, (child = { children: new Map(), index: -1, score: 0 }));
      node = child;
    }
    node.index = i;
    node.score = vocabulary[i][1];
  }
  // The length the package steps back by when it reads the segmentation off: the piece's string length.
  const stepBack = vocabulary.map(([piece]) => piece.length);

  return {
    encode(input) {
      const normalized = input.normalize('NFKC');
      const symbols = normalized.length > 0 ? Array.from(SEPARATOR + normalized.replaceAll(' ', SEPARATOR)) : [];
      const n = symbols.length;
      const best = new Float64Array(n + 1);
      const words = new Int32Array(n + 1);
      // The package first lists every piece, then relaxes each end position over its pieces by
      // start, ascending. Relaxing as pieces are found, by start ascending, makes the same
      // comparisons in the same order (a piece ending at i starts before i, so best[i] is final
      // when pieces starting at i are found): ties break the same way.
      const relax = (start, end, score, index) => {
        const total = score + best[start];
        // As in the package: a best score of exactly 0 counts as none yet.
        if (best[end] === 0 || total >= best[end]) {
          best[end] = total;
          words[end] = index;
        }
      };
      for (let i = 0; i < n; i++) {
        let node = root.children.get(symbols[i]);
        let found = false;
        for (let j = i; j < n && node; j++) {
          if (node.index >= 0) {
            relax(i, j + 1, node.score, node.index);
            found = true;
          }
          node = node.children.get(symbols[j + 1]);
        }
        // An unknown symbol: a piece of its own, scored 0, mapped to id 0.
        if (!found) relax(i, i + 1, 0, 0);
      }
      const ids = [];
      for (let at = n; at > 0; at -= stepBack[words[at]]) ids.push(words[at]);
      // Runs of unknown symbols collapse into one.
      const merged = [];
      let previousUnknown = false;
      for (const id of ids) {
        if (!(previousUnknown && id === 0)) merged.push(id);
        previousUnknown = id === 0;
      }
      return merged.reverse();
    },
  };
}
