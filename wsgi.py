from projectmgr import create_app

app = create_app()
