"""Never shown: `/class` opened first after a server restart lands here, then on the Class page.

Streamlit serves its legacy multipage mode until a run calls ``st.navigation``, and that
mode knows pages by file name: without this file, `/class` (the Class page's address, in
``pages/classroom.py``) opened first shows "Page not found" over the page, as a teacher
link or a student's own link does after a restart. `require_navigation` leaves the mode and
reruns through ``app.py``, which opens the real Class page with the link's parameters.
"""

from ui.layout import require_navigation

require_navigation()
