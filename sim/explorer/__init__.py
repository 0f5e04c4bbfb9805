"""The browser explorer (``qgeo ui``): a Solara page to vary parameters and watch the world change.

:mod:`sim.explorer.session` holds one student's run without any UI (settings,
the model built from them, stepping, events applied from the page) and gives
immutable snapshots of it; :mod:`sim.explorer.ensemble` runs N replications of
it (or of another scenario) in a background thread; :mod:`sim.explorer.charts`
turns a snapshot into ECharts options; :mod:`sim.explorer.mathdoc` turns Markdown
with LaTeX maths into HTML with MathML on the server; :mod:`sim.explorer.components`
are the Solara components, and :mod:`sim.explorer.app` assembles them into the page.
"""
