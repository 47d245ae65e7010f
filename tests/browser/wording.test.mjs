// The program's own wording, wherever text is written: content/ (pages, offerings, forms,
// strings), templates/, and the shared form and handler words in model/src/forms/ui.rs and
// handler/src/words.rs. Official French terms come from the glossary the program publishes
// (shared/reference/glossary-fr.md in the project brief); each rule below says what to write
// instead, and every place that breaks it is listed with its file and line. Then what two pages
// must tell people: how to apply, what happens when they asked for a call (no email at all); the
// safety page, that the quick exit needs JavaScript and what to do without it.
//
// No browser and no server: run alone with `node --test tests/browser/wording.test.mjs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { SITE_ROOT } from './lib.mjs';

/** Where text a reader sees is written (folders are searched for .md, .toml and .html). */
const SOURCES = ['content', 'templates', 'model/src/forms/ui.rs', 'handler/src/words.rs'];
const TEXT_FILE = /\.(md|toml|html|rs)$/;

/**
 * Each rule: a pattern that must not appear (global, so every place is found) and what to write
 * instead. French first (item by item of the program's glossary), then English.
 */
const RULES = [
  {
    bad: /\b[Uu]ne ou un professionnel/g,
    use: 'un professionnel ou une professionnelle (glossary order)',
  },
  {
    bad: /professionnelle ou (?:un |le )?professionnel\b/g,
    use: 'un professionnel ou une professionnelle (glossary order)',
  },
  {
    bad: /nomment le [Pp]rogramme/g,
    use: 'indiquent le nom du programme',
  },
  {
    // The glossary's one form: "coordonnateur régional ou coordonnatrice régionale".
    bad: /coordonnatrices? (?:ou|et) (?:un |le |la |des )?coordonnateur/g,
    use: 'coordonnateur régional ou coordonnatrice régionale (glossary order)',
  },
  {
    bad: /coordonnateurs? (?:ou|et) (?:une |la |des )?coordonnatrices?(?! régionales?)/g,
    use: 'coordonnateur régional ou coordonnatrice régionale (the whole title)',
  },
  {
    bad: /coordonnateur régional(?! ou (?:une |la )?coordonnatrice régionale)/g,
    use: 'coordonnateur régional ou coordonnatrice régionale (both forms)',
  },
  {
    bad: /au sein de la Défense/g,
    use: 'de l’Équipe de la Défense',
  },
  {
    // The short form is a common noun: "le programme", as in English ("the program").
    bad: /\bProgramme\b(?! de soutien par les pairs)/g,
    use: 'le programme (lowercase when it is not the full name)',
  },
  {
    bad: /\bprogramme de soutien par les pairs/g,
    use: 'Programme de soutien par les pairs (the full name takes a capital)',
  },
  {
    // A call to act, as the other buttons and links say it ("Inscrivez-vous", "Consultez").
    bad: /[Mm]anifester votre intérêt/g,
    use: 'Manifestez votre intérêt',
  },
  {
    // The forms say "J’ai vécu"; the eligibility page says the same.
    bad: /avoir subi de l/g,
    use: 'avoir vécu de l’inconduite sexuelle',
  },
  {
    bad: /J['’]ai un ordinateur/g,
    use: `J’ai accès à un ordinateur (the program's wording: "have access to")`,
  },
  {
    bad: /vous avez un appareil/g,
    use: 'vous avez accès à un appareil',
  },
  {
    bad: /\b(?:I |you )?have a (?:computer|device)\b/gi,
    use: 'have access to a computer, tablet or smartphone (the program\'s wording)',
  },
];

/** Every text file under the sources, as paths relative to SITE_ROOT. */
function sourceFiles() {
  const files = [];
  const walk = (path) => {
    const full = join(SITE_ROOT, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full)) walk(join(path, entry));
    } else if (TEXT_FILE.test(path)) {
      files.push(path);
    }
  };
  for (const source of SOURCES) walk(source);
  return files;
}

/** "file:line: found "...", write ..." for every match of every rule. */
function breaches(files) {
  const found = [];
  for (const file of files) {
    const lines = readFileSync(join(SITE_ROOT, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const { bad, use } of RULES) {
        for (const match of line.matchAll(bad)) {
          found.push(`${file.split(sep).join('/')}:${index + 1}: found "${match[0]}", write ${use}`);
        }
      }
    });
  }
  return found;
}

test('the sources hold text to check', () => {
  const files = sourceFiles();
  assert.ok(files.some((f) => f.endsWith('strings.toml')), 'content/strings.toml is checked');
  assert.ok(files.some((f) => f.endsWith('words.rs')), 'handler/src/words.rs is checked');
  assert.ok(files.length > 30, `only ${files.length} files found under ${SOURCES.join(', ')}`);
});

test('every rule finds what it forbids (the rules cannot silently match nothing)', () => {
  const samples = [
    'Une ou un professionnel de la santé mentale',
    'Les fichiers de calendrier nomment le Programme.',
    'Une coordonnatrice ou un coordonnateur peut vous aider.',
    'Un coordonnateur ou une coordonnatrice peut vous aider.',
    'au sein de la Défense',
    'le code de conduite du Programme',
    'Manifester votre intérêt',
    'avoir subi de l’inconduite sexuelle',
    'J’ai un ordinateur',
    'Confirmez que vous avez un appareil',
    'I have a computer, tablet or smartphone',
  ];
  for (const sample of samples) {
    assert.ok(RULES.some(({ bad }) => new RegExp(bad.source, bad.flags).test(sample)), `no rule catches "${sample}"`);
  }
  const good = [
    'Un professionnel ou une professionnelle de la santé mentale',
    'Les fichiers de calendrier indiquent le nom du programme.',
    'Un coordonnateur régional ou une coordonnatrice régionale du soutien par les pairs',
    'le coordonnateur régional ou la coordonnatrice régionale',
    'le Programme de soutien par les pairs',
    'Manifestez votre intérêt',
    'have access to a computer',
  ];
  for (const sample of good) {
    const caught = RULES.filter(({ bad }) => new RegExp(bad.source, bad.flags).test(sample)).map((r) => r.use);
    assert.deepEqual(caught, [], `"${sample}" is right, yet caught`);
  }
});

test('French and English follow the program’s wording everywhere (glossary, capitals, "access to")', () => {
  const found = breaches(sourceFiles());
  if (found.length) assert.fail(`${found.length} place(s) to reword:\n${found.join('\n')}`);
});

test('the exit button’s hidden prefix reads the same in both languages ("Emergency" / "Urgence")', () => {
  const strings = readFileSync(join(SITE_ROOT, 'content/strings.toml'), 'utf8');
  const line = strings.split('\n').find((l) => /^emergency\s*=/.test(l));
  assert.ok(line, 'content/strings.toml has an `emergency` string');
  const en = line.match(/\ben\s*=\s*"([^"]*)"/)?.[1];
  const fr = line.match(/\bfr\s*=\s*"([^"]*)"/)?.[1];
  assert.deepEqual({ en, fr }, { en: 'Emergency', fr: 'Urgence' });
});

/** The text of a page's section, from its `## heading` (matched by `heading`) to the next one. */
function section(file, heading) {
  const text = readFileSync(join(SITE_ROOT, file), 'utf8');
  return text.split(/^## /m).find((s) => heading.test(s)) ?? '';
}

/** Every pattern of `expected` ({ lang: [file, heading, patterns] }) the section lacks. */
function missing(expected) {
  const problems = [];
  for (const [file, heading, patterns] of Object.values(expected)) {
    const text = section(file, heading);
    if (!text) problems.push(`${file}: no section whose heading matches ${heading}`);
    for (const pattern of patterns) {
      if (text && !pattern.test(text)) problems.push(`${file}: the section ${heading} does not say ${pattern}`);
    }
  }
  return problems;
}

test('how to apply says what happens for someone who asked for a call, in both languages', () => {
  const problems = missing({
    en: ['content/en/how-to-apply/_index.md', /^If you asked us to call you/, [/do not email you/, /calls you/, /fills out the forms with you/, /voicemail only if/]],
    fr: ['content/fr/presenter-une-demande/_index.md', /^Si vous avez demandé un appel/, [/ne vous envoyons aucun courriel/, /vous appelle/, /remplit les formulaires avec vous/, /message vocal seulement si/]],
  });
  if (problems.length) assert.fail(problems.join('\n'));
});

test('the safety page says the quick exit needs JavaScript, and what to do without it, in both languages', () => {
  const problems = missing({
    en: ['content/en/safety-and-privacy.md', /^Leave this site quickly/, [/JavaScript/, /clos(?:e|ing) the tab/i, /clear (?:this site from )?your (?:browsing )?history/i]],
    fr: ['content/fr/securite-et-confidentialite.md', /^Quitter ce site rapidement/, [/JavaScript/, /ferm(?:ez|ant) l’onglet/i, /effacez .*historique/i]],
  });
  if (problems.length) assert.fail(problems.join('\n'));
});
