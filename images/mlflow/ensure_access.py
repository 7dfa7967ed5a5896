"""Brings MLflow's users and permissions to what the stack declares, before the server starts.

Run by the entrypoint on every start, so a new password (a rebuilt stack, a rotation) and a restored
database (which brings back the lost stack's users and passwords) both converge without a hand step.

Environment (ECS injects the passwords from Secrets Manager):
  MLFLOW_BACKEND_STORE_URI      the database holding runs and the registry
  MLFLOW_AUTH_DATABASE_URI      the database holding the users and permissions (a separate one:
                                before MLflow 3.6 both stores keep their version in alembic_version)
  MLFLOW_ADMIN_USERNAME, MLFLOW_ADMIN_PASSWORD
  MLFLOW_MODEL_NAME             the application's registered model, created here when missing
  MLFLOW_CLIENTS                "training:READ registry:EDIT deployment:READ monitoring:READ serving:READ"
  MLFLOW_CLIENT_USERNAME_<CLIENT>, MLFLOW_CLIENT_PASSWORD_<CLIENT>
                                the client's current login: <client> or its twin <client>_alt
  MLFLOW_CLIENT_STANDBY_USERNAME_<CLIENT>, MLFLOW_CLIENT_STANDBY_PASSWORD_<CLIENT>
                                the other one, current until the last rotation

Every client has two logins that alternate (docs/decisions/0004-credential-rotation.md): both are
kept, with the same grant, so a workflow run or a task that started with the previous one keeps
working until the next rotation.

The registered model is created by the server, not by a client: MLflow gives a model's creator
MANAGE (delete included) on it, and would refuse that grant to a client already holding EDIT.
Nothing is ever deleted: users and grants made by hand in MLflow are left as they are. Tasks that
start together take turns (a PostgreSQL advisory lock), so two never create the same user at once.
"""

import os
import sys

PERMISSIONS = ("READ", "EDIT")


class ConfigError(Exception):
    pass


ALTERNATE_SUFFIX = "_alt"


def parse_clients(text, env):
    """[(username, permission, password)] of both logins of every client in MLFLOW_CLIENTS."""
    clients = []
    for entry in text.split():
        client, _, permission = entry.partition(":")
        if not client or permission not in PERMISSIONS:
            raise ConfigError(
                f'MLFLOW_CLIENTS has "{entry}": expected <username>:<{"|".join(PERMISSIONS)}>'
            )
        logins = []
        for kind in ("", "STANDBY_"):
            values = []
            for field in ("USERNAME", "PASSWORD"):
                variable = f"MLFLOW_CLIENT_{kind}{field}_{client.upper()}"
                if not env.get(variable):
                    raise ConfigError(f"{variable} is not set: the task definition must inject it")
                values.append(env[variable])
            username, password = values
            logins.append(username)
            clients.append((username, permission, password))
        expected = {client, client + ALTERNATE_SUFFIX}
        if set(logins) != expected:
            raise ConfigError(
                f'the logins of client {client} are "{logins[0]}" and "{logins[1]}": expected'
                f' "{client}" and "{client}{ALTERNATE_SUFFIX}", one each; pulumi up writes them again'
            )
    return clients


def ensure_user(store, username, password, is_admin, log):
    if store.has_user(username):
        store.update_user(username, password=password, is_admin=is_admin)
        log(f"user {username}: password set")
    else:
        store.create_user(username, password, is_admin=is_admin)
        log(f"user {username}: created")


def ensure_model_permission(store, model, username, permission, log, missing):
    try:
        current = store.get_registered_model_permission(model, username).permission
    except missing:
        store.create_registered_model_permission(model, username, permission)
        log(f"user {username}: {permission} on registered model {model}")
        return
    if current != permission:
        store.update_registered_model_permission(model, username, permission)
        log(f"user {username}: {permission} on registered model {model} (was {current})")


def ensure_registered_model(registry, model, log, missing):
    try:
        registry.get_registered_model(model)
    except missing:
        registry.create_registered_model(model)
        log(f"registered model {model}: created")


def converge(env, open_stores, missing, log):
    """Checks the whole environment first: a bad one changes nothing."""
    for name in ("MLFLOW_BACKEND_STORE_URI", "MLFLOW_AUTH_DATABASE_URI", "MLFLOW_ADMIN_USERNAME", "MLFLOW_ADMIN_PASSWORD", "MLFLOW_MODEL_NAME"):
        if not env.get(name):
            raise ConfigError(f"{name} is not set")
    clients = parse_clients(env.get("MLFLOW_CLIENTS", ""), env)
    model = env["MLFLOW_MODEL_NAME"]
    auth_store, registry = open_stores(env["MLFLOW_BACKEND_STORE_URI"], env["MLFLOW_AUTH_DATABASE_URI"])
    ensure_registered_model(registry, model, log, missing)
    ensure_user(auth_store, env["MLFLOW_ADMIN_USERNAME"], env["MLFLOW_ADMIN_PASSWORD"], True, log)
    for username, permission, password in clients:
        ensure_user(auth_store, username, password, False, log)
        ensure_model_permission(auth_store, model, username, permission, log, missing)


def main():
    from mlflow.exceptions import MlflowException
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore as AuthStore
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore

    class Missing(Exception):
        pass

    def missing_only(call):
        # Only "does not exist" means create; any other MLflow error stops the start.
        def wrapped(*args, **kwargs):
            try:
                return call(*args, **kwargs)
            except MlflowException as error:
                if error.error_code == "RESOURCE_DOES_NOT_EXIST":
                    raise Missing(str(error)) from error
                raise
        return wrapped

    def open_stores(backend_uri, auth_uri):
        registry = RegistryStore(backend_uri)
        registry.get_registered_model = missing_only(registry.get_registered_model)
        auth = AuthStore()
        auth.init_db(auth_uri)
        auth.get_registered_model_permission = missing_only(auth.get_registered_model_permission)
        return auth, registry

    env = dict(os.environ)
    log = lambda line: print(f"ensure-access: {line}", flush=True)  # noqa: E731
    auth_uri = env.get("MLFLOW_AUTH_DATABASE_URI", "")
    if not auth_uri.startswith("postgresql"):
        converge(env, open_stores, Missing, log)
        return
    # Two tasks of a deployment start together: one converges while the other waits, then finds
    # everything in place. The lock ends with the session.
    import sqlalchemy

    engine = sqlalchemy.create_engine(auth_uri)
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(hashtext('mlops-cicd ensure-access'))"))
        converge(env, open_stores, Missing, log)
    engine.dispose()


if __name__ == "__main__":
    try:
        main()
    except ConfigError as error:
        print(f"ensure-access: {error}", file=sys.stderr)
        sys.exit(2)
