"""The run report: summary.md for a terminal or a lab notebook, report.html with the paper's plots."""

from kgexpr.report.build import write_report

__all__ = ["write_report"]
