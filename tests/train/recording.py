from nnlab.train import Callback


class Recorder(Callback):
    """Records every hook call, for assertions."""

    def __init__(self):
        self.calls = []

    def on_fit_start(self, params):
        self.calls.append(("fit_start", sorted(params)))

    def on_step_end(self, step, metrics):
        self.calls.append(("step", step, dict(metrics)))

    def on_epoch_end(self, epoch, metrics):
        self.calls.append(("epoch", epoch, dict(metrics)))

    def on_fit_end(self, history):
        self.calls.append(("fit_end", history.status))

    def of(self, kind):
        return [call for call in self.calls if call[0] == kind]
