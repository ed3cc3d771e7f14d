"""Predict-then-reveal: the question bank, a student's answers, the teacher's plan."""
