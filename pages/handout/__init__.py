"""A lesson's handout: a print view (one block per step with its figure, the questions, answers on a last page)."""
