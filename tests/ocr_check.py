"""Read rendered Arabic back with Tesseract: the pixel-level judge of the chart tests.

Also a small command line, run by the tests in other environments (a matplotlib 3.10
venv, a Pillow forced to run without raqm), that draws labels with ``analysis.charts``
and writes the crops and a manifest for the parent test to read back:

    python tests/ocr_check.py charts OUT_DIR [--font FILE] PHRASE... [--wrong PHRASE...]
    python tests/ocr_check.py clouds OUT_DIR [--font FILE] [--no-raqm] PHRASE... [--wrong PHRASE...]

``--wrong`` phrases are drawn with the shaping decision inverted, to show that the
check rejects them; ``--font`` draws with that font file instead of the default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

THRESHOLD = 0.85
"""Least similarity between the recognised text and the logical string to pass."""
MARGIN = 0.25
"""How much better the logical string must match than its reversal."""
OCR_DPI = 480
"""Charts are drawn at this resolution for reading: 10 pt labels come out ~67 px high,
the size at which Tesseract reads Arabic best (32 pt at 150 dpi)."""
PAD = 8
BORDER = 24
REFERENCE_SIZES = (48, 64, 80)
"""Tesseract reads some phrases at one size and not another; the reference tries each."""
MANIFEST = "manifest.json"
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SVG = "{http://www.w3.org/2000/svg}"
_HREF = "{http://www.w3.org/1999/xlink}href"
_PATH_TOKEN = re.compile(r"[MLQCZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TRANSFORM = re.compile(r"(translate|scale|rotate|matrix)\(([^)]*)\)")


# --- reading ---------------------------------------------------------------------------


def tesseract_unavailable(languages: tuple[str, ...] = ("ara", "eng")) -> str | None:
    """Why Tesseract cannot judge Arabic here, or None when it can."""
    if shutil.which("tesseract") is None:
        return "tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-ara)"
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    missing = [lang for lang in languages if lang not in listed]
    if missing:
        return f"tesseract has no {missing} model (Debian: tesseract-ocr-ara)"
    return None


def ocr(image: Image.Image, lang: str = "ara", psm: int = 7) -> str:
    """Tesseract's reading of ``image`` (one line by default), bidi controls removed."""
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    result = subprocess.run(
        ["tesseract", "stdin", "-", "-l", lang, "--psm", str(psm)],
        input=buffer.getvalue(),
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return " ".join(result.stdout.decode("utf-8").translate(_BIDI_CONTROLS).split())


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two strings, 1.0 when equal."""
    return difflib.SequenceMatcher(None, a, b).ratio()


@dataclasses.dataclass(frozen=True)
class Reading:
    """What Tesseract read for an expected phrase, and how well it matches."""

    expected: str
    text: str
    score: float
    reversed_score: float

    @property
    def correct(self) -> bool:
        return self.score >= THRESHOLD and self.score >= self.reversed_score + MARGIN

    def __str__(self) -> str:
        return (
            f"expected {self.expected!r}, read {self.text!r}: similarity {self.score:.2f}, "
            f"to the reversed string {self.reversed_score:.2f}"
        )


def read(image: Image.Image, expected: str, lang: str = "ara") -> Reading:
    """Read ``image`` and score it against ``expected`` and against its reversal."""
    text = ocr(image, lang)
    return Reading(expected, text, similarity(text, expected), similarity(text, expected[::-1]))


CROP_SCALES = (1.0, 0.75, 1.25)
"""Tesseract reads nothing of some correct crops at one size and all of it at another
(Amiri's «المملكة العربية السعودية» at 480 dpi); like the reference, a crop is tried at each."""


def read_scaled(image: Image.Image, expected: str, lang: str = "ara") -> Reading:
    """The first correct (else the best) reading of ``image`` resized by each of :data:`CROP_SCALES`.

    For correct renderings only: a rendering in the wrong order reads as reversed letters at
    every size, so a retry at another size cannot make it pass, but the rejection checks
    read once, the stricter way.
    """
    readings = []
    for scale in CROP_SCALES:
        size = (round(image.width * scale), round(image.height * scale))
        readings.append(read(image if scale == 1.0 else image.resize(size, Image.LANCZOS), expected, lang))
        if readings[-1].correct:
            break
    return max(readings, key=lambda reading: (reading.correct, reading.score))


# --- reference rendering -------------------------------------------------------------------


def reference_unavailable() -> str | None:
    """Why the reference renderer (Pillow with raqm) cannot run here, or None."""
    from PIL import features

    if not features.check("raqm"):
        return "Pillow has no raqm here (it needs libfribidi at run time), so no reference rendering"
    return None


def reference_image(text: str, font_path: str | os.PathLike, size: int) -> Image.Image:
    """``text`` drawn by Pillow's raqm layout straight from the logical string."""
    font = ImageFont.truetype(str(font_path), size, layout_engine=ImageFont.Layout.RAQM)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("RGB", (right - left + 2 * BORDER, bottom - top + 2 * BORDER), "white")
    ImageDraw.Draw(image).text((BORDER - left, BORDER - top), text, font=font, fill="black")
    return image


def read_reference(text: str, font_path: str | os.PathLike, lang: str = "ara") -> Reading:
    """The first correct (else the best) reading of ``text`` drawn independently of ``analysis.charts``.

    It shows whether Tesseract can read the phrase at all, so that a phrase OCR cannot
    read is not mistaken for a wrong rendering.
    """
    readings = []
    for size in REFERENCE_SIZES:
        readings.append(read(reference_image(text, font_path, size), text, lang))
        if readings[-1].correct:
            break
    return max(readings, key=lambda reading: reading.score)


# --- a label that starts with a Latin word inside Arabic ---------------------------------


INK_LEVEL = 230
"""Grey level below which a pixel is ink: word clouds draw in colours, some of them light."""


def split_at_widest_gap(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """``image`` cut in two at the widest run of blank columns between its first and last ink."""
    ink = (np.asarray(image.convert("L")) < INK_LEVEL).any(axis=0)
    columns = np.flatnonzero(ink)
    if len(columns) == 0:
        raise ValueError("the image has no ink")
    blank = np.flatnonzero(~ink[columns[0]:columns[-1]]) + columns[0]
    if len(blank) == 0:
        return image, Image.new("RGB", image.size, "white")
    runs = np.split(blank, np.flatnonzero(np.diff(blank) > 1) + 1)
    middle = int(max(runs, key=len).mean())
    pad = lambda part: ImageOps.expand(part.convert("RGB"), BORDER, fill="white")  # noqa: E731
    return pad(image.crop((0, 0, middle, image.height))), pad(image.crop((middle, 0, image.width, image.height)))


_ALEF_FORMS = str.maketrans("أإآ", "ااا")


@dataclasses.dataclass(frozen=True)
class MixedReading:
    """What Tesseract read on each side of a label of a Latin word and Arabic ("SMS تبدا").

    Read in Arabic order, the Latin word comes first, so it must stand at the right end
    (``latin``, read in English) and the Arabic at the left (``arabic``), while the left
    end must not read as the Latin word (``left_latin``). The Arabic part is compared with
    its alef forms folded: Tesseract reads the bare alef of some faces at label size as
    أ (تبدأ for تبدا in Noto Naskh Arabic drawn by matplotlib 3.10), and the check is
    about order; a reversed word reads as no alef form of the word.
    """

    expected: str
    latin: str
    arabic: Reading
    left_latin: str

    @property
    def correct(self) -> bool:
        return self.latin == self.expected and self.left_latin != self.expected and self.arabic.correct

    def __str__(self) -> str:
        return (f"right end read {self.latin!r}, left end read {self.left_latin!r} (in English); "
                f"Arabic part, alef forms folded: {self.arabic}")


def read_mixed(image: Image.Image, latin: str, arabic: str) -> MixedReading:
    """Read a label of the Latin word ``latin`` and the Arabic ``arabic``: right part in English, left in Arabic."""
    left, right = split_at_widest_gap(image)
    text, expected = ocr(left).translate(_ALEF_FORMS), arabic.translate(_ALEF_FORMS)
    folded = Reading(expected, text, similarity(text, expected), similarity(text, expected[::-1]))
    return MixedReading(latin, ocr(right, "eng"), folded, ocr(left, "eng"))


# --- cropping chart elements -------------------------------------------------------------


def crop_texts(fig, artists, dpi: int = OCR_DPI) -> list[Image.Image]:
    """Each text artist of ``fig`` cut out of one Agg rendering of the whole figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    renderer = canvas.get_renderer()
    pixels = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    crops = []
    for artist in artists:
        box = artist.get_window_extent(renderer)
        region = (
            max(math.floor(box.x0) - PAD, 0),
            max(math.floor(pixels.height - box.y1) - PAD, 0),
            min(math.ceil(box.x1) + PAD, pixels.width),
            min(math.ceil(pixels.height - box.y0) + PAD, pixels.height),
        )
        crops.append(ImageOps.expand(pixels.crop(region), BORDER, fill="white"))
    return crops


# --- reading text back from an SVG (text stored as glyph outlines) -----------------------


def _svg_matrix(transform: str | None) -> np.ndarray:
    matrix = np.eye(3)
    for name, args in _TRANSFORM.findall(transform or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if name == "translate":
            step = np.array([[1, 0, values[0]], [0, 1, values[1] if len(values) > 1 else 0], [0, 0, 1]])
        elif name == "scale":
            sy = values[1] if len(values) > 1 else values[0]
            step = np.diag([values[0], sy, 1.0])
        elif name == "rotate":
            a = math.radians(values[0])
            step = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        else:
            a, b, c, d, e, f = values
            step = np.array([[a, c, e], [b, d, f], [0, 0, 1]])
        matrix = matrix @ step
    return matrix


def _svg_path(d: str):
    from matplotlib.path import Path as MplPath

    sizes = {"M": (1, MplPath.MOVETO), "L": (1, MplPath.LINETO), "Q": (2, MplPath.CURVE3), "C": (3, MplPath.CURVE4)}
    tokens = _PATH_TOKEN.findall(d)
    vertices, codes, index = [], [], 0
    while index < len(tokens):
        command = tokens[index]
        index += 1
        if command in "Zz":
            vertices.append(vertices[-1] if vertices else (0.0, 0.0))
            codes.append(MplPath.CLOSEPOLY)
            continue
        pairs, code = sizes[command]
        for _ in range(pairs):
            vertices.append((float(tokens[index]), float(tokens[index + 1])))
            codes.append(code)
            index += 2
    return MplPath(np.array(vertices, dtype=float).reshape(-1, 2), codes)


def svg_text_image(svg: str | os.PathLike, text: str, pixels_per_point: float = OCR_DPI / 72) -> Image.Image:
    """Rasterize the glyph outlines of the text ``text`` in a matplotlib SVG.

    matplotlib writes text as paths (``svg.fonttype = "path"``) in a group that starts
    with the string as a comment; only that group's glyphs are drawn, in black.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Affine2D

    root = ET.parse(svg, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))).getroot()
    glyphs = {node.get("id"): node for node in root.iter(f"{_SVG}path") if node.get("id")}
    group = next(
        (g for g in root.iter(f"{_SVG}g") if len(g) and g[0].tag is ET.Comment and g[0].text.strip() == text),
        None,
    )
    if group is None:
        raise ValueError(f"no text {text!r} in {svg}")
    paths = []

    def walk(node, matrix):
        matrix = matrix @ _svg_matrix(node.get("transform"))
        if node.tag == f"{_SVG}use":
            glyph = glyphs[node.get(_HREF).lstrip("#")]
            if glyph.get("d"):
                full = matrix @ _svg_matrix(glyph.get("transform"))
                paths.append(_svg_path(glyph.get("d")).transformed(Affine2D(full)))
        for child in node:
            if child.tag != f"{_SVG}defs" and isinstance(child.tag, str):
                walk(child, matrix)

    walk(group, _svg_matrix(None))
    outline = MplPath.make_compound_path(*paths)
    (x0, y0), (x1, y1) = outline.get_extents().get_points()
    width, height = (x1 - x0) * pixels_per_point, (y1 - y0) * pixels_per_point
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)  # SVG's y axis points down
    ax.add_patch(PathPatch(outline, facecolor="black", edgecolor="none"))
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    return ImageOps.expand(image, BORDER, fill="white")


# --- drawing cases, here or in another environment --------------------------------------


@contextlib.contextmanager
def wrong_shaping(renderer: str):
    """Force ``analysis.charts`` to the opposite of its own decision for ``renderer``."""
    from analysis import charts

    before = os.environ.get(charts.SHAPING_ENV)
    native = charts.renderer_shapes_arabic(renderer)
    os.environ[charts.SHAPING_ENV] = "reshape" if native else "native"
    charts.renderer_shapes_arabic.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(charts.SHAPING_ENV)
        else:
            os.environ[charts.SHAPING_ENV] = before
        charts.renderer_shapes_arabic.cache_clear()


def render_chart_cases(out: Path, phrases: list[str], wrong: list[str] = (), font: str | None = None) -> dict:
    """Draw ``phrases`` as the tick labels (the first also as the title) of a real chart.

    ``wrong`` phrases are drawn the same way with the shaping decision inverted. Crops
    of every label and title, and each chart as SVG, go to ``out/right`` and
    ``out/wrong``; the manifest, also written to ``out``, says what is where and which
    font drew it (``font``, a file; the chart's default font when None).
    """
    import matplotlib

    from analysis import charts

    manifest = {
        "matplotlib": matplotlib.__version__,
        "shapes": charts.renderer_shapes_arabic("matplotlib"),
        "font": str(charts.arabic_font(font)),
        "right": _chart_cases(out / "right", phrases, font),
    }
    with wrong_shaping("matplotlib"):
        manifest["wrong"] = _chart_cases(out / "wrong", wrong, font)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _chart_cases(out: Path, phrases: list[str], font: str | None = None) -> list[dict]:
    import pandas as pd

    from analysis import charts

    if not phrases:
        return []
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(
        {"source": "okaz", "term": phrases, "count": range(len(phrases) * 10, 0, -10),
         "per_10k": np.linspace(9.0, 3.0, len(phrases))}
    )
    fig = charts.plot_top_terms(table, n=len(phrases), title=phrases[0], font=font)
    labels = fig.axes[0].get_yticklabels()
    # The figure's own title: tick labels have no axes either in matplotlib 3.11 and share its string.
    title = fig._suptitle
    svg = charts.save_figure(fig, "chart", out, ("svg",))[0]
    cases = []
    for index, (phrase, text, crop) in enumerate(zip([*phrases, phrases[0]], [*labels, title],
                                                     crop_texts(fig, [*labels, title]))):
        png = out / (f"label_{index}.png" if index < len(phrases) else "title.png")
        crop.save(png)
        cases.append({"phrase": phrase, "png": str(png), "svg": str(svg), "given": text.get_text(),
                      "title": text is title, "family": text.get_fontfamily()})
    return cases


def render_cloud_cases(out: Path, phrases: list[str], wrong: list[str] = (), font: str | None = None) -> dict:
    """Draw each phrase alone as a word cloud, and each ``wrong`` one with the shaping inverted.

    ``font`` (a file) is passed to the cloud; each case records the font file the cloud
    really drew with (Pillow has no fallback: the default is the one covering the phrase).
    """
    import PIL
    from PIL import features

    from analysis import charts

    native = charts.renderer_shapes_arabic("pillow")
    probe = ImageFont.truetype(str(charts.arabic_font(renderer="pillow")), 20)
    manifest = {
        "pillow": PIL.__version__,
        "raqm": bool(features.check("raqm")),
        "layout_engine": probe.layout_engine.name,
        "shapes": native,
        "right": _cloud_cases(out / "right", phrases, reshape=not native, font=font),
        "wrong": _cloud_cases(out / "wrong", wrong, reshape=native, font=font),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _cloud_cases(out: Path, phrases: list[str], reshape: bool, font: str | None = None) -> list[dict]:
    from analysis import charts
    from analysis.charts.arabic import _display
    from analysis.charts.clouds import _cloud_font

    out.mkdir(parents=True, exist_ok=True)
    cases = []
    for index, phrase in enumerate(phrases):
        image = charts.wordcloud_image({phrase: 1}, font_path=font, width=1000, height=170, max_font_size=64,
                                       reshape=reshape)
        png = out / f"cloud_{index}.png"
        image.save(png)
        cases.append({"phrase": phrase, "png": str(png), "font": str(_cloud_font(font, _display(phrase, not reshape)))})
    return cases


def main(argv: list[str]) -> None:
    """``KIND OUT [--font FILE] [--no-raqm] PHRASE... [--wrong PHRASE...]``; see the module docstring."""
    kind, out, *rest = argv
    font = None
    if "--font" in rest:
        at = rest.index("--font")
        font = rest[at + 1]
        del rest[at:at + 2]
    if "--no-raqm" in rest:
        # Before any font is loaded: Pillow then lays text out as a host without libraqm.
        import PIL._imagingft

        PIL._imagingft.HAVE_RAQM = False
        rest.remove("--no-raqm")
    split = rest.index("--wrong") if "--wrong" in rest else len(rest)
    render = {"charts": render_chart_cases, "clouds": render_cloud_cases}[kind]
    render(Path(out), rest[:split], rest[split + 1:], font)


if __name__ == "__main__":
    main(sys.argv[1:])
