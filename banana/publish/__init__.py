"""Publish: what a host puts out with an episode — chapters for podcast apps, YouTube
and ffmpeg (``chapters``), and show notes in Markdown, HTML and JSON (``notes``)."""
