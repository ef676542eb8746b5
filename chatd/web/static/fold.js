// chatd web client: names compared as the server compares them
// (chatd/core/names.py key, which decides who a name is) for case, accents
// and the Turkish I: Zoe, Zoé and ZOÉ are one name, irem, IREM and İrem
// too.  Mentions (alerts.js), Tab completion (keys.js) and Go to (goto.js)
// compare folded forms: NFKC (full-width letters), without the marks the
// server drops, dotless ı as i, in lower case; the conversations are keyed
// by them (nameKey), rooms and people alike, as the server keys both.

// The scripts whose marks are accents or optional points, which the server
// drops (chatd/core/spelling.py); those of any other script spell a letter
// (the kana voicing marks: ゲン is not ケン; a Devanagari virama) and stay.
const ACCENT = new RegExp("[" + ["Zinh", "Zyyy", "Latn", "Grek", "Cyrl", "Hebr", "Arab", "Syrc"]
  .map((s) => "\\p{scx=" + s + "}").join("") + "]", "u");
const MARK = /\p{M}/u;
const CYRILLIC = /\p{sc=Cyrl}/u;
// Lower case as the server's case folding has it: ß is ss, a final ς is σ,
// dotless ı is i (İ is I with a dot above, an accent dropped).
const CASE = { "ß": "ss", "ς": "σ", "ı": "i" };

function lower(ch) {
  return ch.toLowerCase().replace(/[ßςı]/gu, (c) => CASE[c]);
}

// TEXT folded piece by piece: [what a character of TEXT folds to, where
// that character starts in TEXT], in order; a dropped mark gives none.
function pieces(text) {
  const out = [];
  let base = null;  // the last piece, while a letter without a mark
  let at = 0;
  for (const ch of text) {
    for (const part of ch.normalize("NFKD")) {
      if (!MARK.test(part)) {
        base = { text: lower(part), at, letter: part };
        out.push(base);
        continue;
      }
      // A Cyrillic letter with a mark is another letter when Unicode has it
      // as one (Й is not И); any other accent is dropped.
      const joined = base && CYRILLIC.test(base.letter) ? (base.letter + part).normalize("NFC") : "";
      if ([...joined].length === 1) base.text = lower(joined);
      else if (!ACCENT.test(part)) out.push({ text: part, at });
      base = null;
    }
    at += ch.length;
  }
  return out;
}

// NAME as the page compares it: fold(a) === fold(b) when the server takes
// a and b for one name by case, accents and the Turkish I.
export function fold(name) {
  return pieces(name).map((piece) => piece.text).join("");
}

// The key of a room's or a person's name (convos.js): two names have one
// when the server takes them for one name by case, accents, the Turkish I
// and compatibility forms (Zoe, zoé and ＺＯＥ; ismail and İsmail; general
// and Général).  Letters that only look alike (a Cyrillic а for a Latin a,
// l for I) are told apart here: the server's replies name who it found.
export function nameKey(name) {
  return fold(name);
}

// Whether NAME, folded, starts with STEM, folded ("em" starts "Émilie"),
// up to a whole character of it: not before a mark that stays (ケ does not
// start ゲン, whose ゲ folds to ケ and a voicing mark; nor half-width ｹ).
export function foldStarts(name, stem) {
  return startsFolded(fold(name), fold(stem));
}

// Whether FOLDED (a name folded) starts with WANTED (folded), as foldStarts.
export function startsFolded(folded, wanted) {
  return folded.startsWith(wanted) && !/^\p{M}/u.test(folded.slice(wanted.length));
}

// Where WANTED (a name) stands in TEXT, folded: each [start, end] in TEXT
// of a place that is WANTED once folded, from a character's beginning to
// another's (the accents that follow it included).
export function findFolded(text, wanted) {
  const parts = pieces(text);
  const goal = fold(wanted);
  const found = [];
  if (!goal) return found;
  // The folded text, and where each original character's piece starts in it.
  let folded = "";
  const starts = new Map();
  parts.forEach((piece, index) => {
    if (index === 0 || parts[index - 1].at !== piece.at) starts.set(folded.length, piece.at);
    folded += piece.text;
  });
  starts.set(folded.length, text.length);
  for (let i = folded.indexOf(goal); i >= 0; i = folded.indexOf(goal, i + 1)) {
    if (starts.has(i) && starts.has(i + goal.length)) found.push([starts.get(i), starts.get(i + goal.length)]);
  }
  return found;
}
