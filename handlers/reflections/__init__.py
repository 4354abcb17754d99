"""Reflections (心得体会) written in private chat (`writing`, `inputs`), their review (点评) and showcase
(优秀案例) (`review`), and study notes called up for review (学习笔记调阅) (`notes`). What the feature
plugs in is declared in `bot/features/reflections.py`; texts and keyboards are in `views/reflections.py`.

Every button here names a reflection or a notes request by id; each is checked against the person
pressing it (the author, or an admin of the author's unit chain), and reflection buttons work only in
private chat, so no text is ever shown in a group by a forged button.
"""
