import traceback
from werkzeug.exceptions import HTTPException

def test_dbg(app, make, client):
    make.login(client, user=make.user(None, role="staff"))
    import portal.errors
    app.config["PROPAGATE_EXCEPTIONS"] = True
    app.testing = True
    try:
        app.error_handler_spec[None][None].clear()
    except Exception as e:
        print("x", e)
    r = client.get("/admin/collection_refs/template/bonded_books.csv")
    print(r.status_code)
