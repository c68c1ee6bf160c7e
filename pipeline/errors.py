class PipelineError(Exception):
    """A problem with one input, reported as one line naming the file and what is wrong."""

    def __init__(self, path: object, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem
