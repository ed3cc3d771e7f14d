"""Class mode: a teacher polls the room with the lesson's questions."""
