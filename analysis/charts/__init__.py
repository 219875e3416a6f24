"""Arabic-correct charts and word clouds drawn from tidy tables, and saving them.

One module per concern: ``arabic`` (who shapes Arabic), ``fonts``, ``layout`` (what
every chart shares), one module per chart family (``terms``, ``clouds``, ``frames``,
``over_time``, ``actors``) and ``save``. Every public name is importable from here.
"""

from analysis.charts.actors import plot_actor_frame_heatmap
from analysis.charts.arabic import RENDERERS, SHAPING_ENV, SHAPING_MODES, arabic_text, renderer_shapes_arabic
from analysis.charts.clouds import WORDCLOUD_COLORS, WORDCLOUD_DEFAULTS, plot_wordclouds, wordcloud_image
from analysis.charts.fonts import ARABIC_FONTS, ARABIC_LETTERS, FALLBACK_FONT, arabic_font
from analysis.charts.frames import plot_frame_heatmap, plot_frame_rates
from analysis.charts.layout import FIGURE_DPI, HEATMAP_CMAP, PALETTE, VALUE_LABELS
from analysis.charts.over_time import plot_frames_over_time
from analysis.charts.save import MIN_SAVE_DPI, SAVE_DPI, SAVE_FORMATS, save_figure
from analysis.charts.terms import SCORE_COLUMNS, plot_distinctive_terms, plot_top_terms

__all__ = [
    "renderer_shapes_arabic",
    "arabic_text",
    "arabic_font",
    "wordcloud_image",
    "save_figure",
    "plot_top_terms",
    "plot_distinctive_terms",
    "plot_frame_rates",
    "plot_frame_heatmap",
    "plot_frames_over_time",
    "plot_wordclouds",
    "plot_actor_frame_heatmap",
]
