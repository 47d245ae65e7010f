#!/usr/bin/env python3
"""Generates the same synthetic bilingual corpus for Passerelle and for Hugo.

N page pairs (English and French), about 600 words of Markdown each, with links between pages;
one section page listing every page, and a home page per language listing the newest ten.
Deterministic: the same N gives the same files.
"""
import os
import random
import sys

WORDS_EN = ("peer support group session coping trauma healing connection safe space share listen "
            "respect confidential virtual meeting coordinator program service wellbeing community "
            "strength trust voice journey time learn grow together help resource").split()
WORDS_FR = ("soutien pairs groupe séance adaptation traumatisme guérison lien espace sûr partager "
            "écouter respect confidentiel virtuel réunion coordination programme service bien-être "
            "communauté force confiance voix parcours temps apprendre grandir ensemble aide").split()


def paragraph(rng, words, n):
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def body(rng, lang, i, n):
    words = WORDS_EN if lang == "en" else WORDS_FR
    section = "posts" if lang == "en" else "articles"
    parts = [paragraph(rng, words, 60)]
    for h in range(3):
        parts.append(f"## {'Section' if lang == 'en' else 'Partie'} {h + 1}")
        parts.append(paragraph(rng, words, 80))
        other = rng.randrange(n)
        parts.append(f"See [page {other}](/{lang}/{section}/p{other:05d}/) and "
                     f"*{rng.choice(words)}* **{rng.choice(words)}**.")
        parts.append("\n".join(f"- {paragraph(rng, words, 12)}" for _ in range(4)))
        parts.append(paragraph(rng, words, 60))
    return "\n\n".join(parts) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(42)
    p, h = os.path.join(out, "passerelle"), os.path.join(out, "hugo")
    sections = {"en": "posts", "fr": "articles"}
    for lang in ("en", "fr"):
        sec = sections[lang]
        home = "Home" if lang == "en" else "Accueil"
        write(f"{p}/content/{lang}/_index.md",
              f'+++\ntitle = "{home}"\ndescription = "Bench"\ntranslation_key = "home"\n'
              f'template = "home.html"\ndate_modified = 2025-01-01\n+++\n\n{home}.\n')
        write(f"{p}/content/{lang}/{sec}/_index.md",
              f'+++\ntitle = "{sec}"\ndescription = "All"\ntranslation_key = "posts"\n'
              f'date_modified = 2025-01-01\n+++\n\nAll pages.\n')
        write(f"{h}/content/{lang}/_index.md", f'+++\ntitle = "{home}"\n+++\n')
        write(f"{h}/content/{lang}/{sec}/_index.md",
              f'+++\ntitle = "{sec}"\ntranslationKey = "posts"\n+++\n')
        for i in range(n):
            text = body(rng, lang, i, n)
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            title = f"{'Page' if lang == 'en' else 'Page'} {i}"
            write(f"{p}/content/{lang}/{sec}/p{i:05d}.md",
                  f'+++\ntitle = "{title}"\ndescription = "Summary of page {i}"\n'
                  f'translation_key = "p{i:05d}"\nweight = {i}\n'
                  f'date_modified = 2025-{month:02d}-{day:02d}\n+++\n\n{text}')
            write(f"{h}/content/{lang}/{sec}/p{i:05d}.md",
                  f'+++\ntitle = "{title}"\ndescription = "Summary of page {i}"\n'
                  f'translationKey = "p{i:05d}"\nweight = {i}\n'
                  f'lastmod = 2025-{month:02d}-{day:02d}\n+++\n\n{text}')


if __name__ == "__main__":
    main()
